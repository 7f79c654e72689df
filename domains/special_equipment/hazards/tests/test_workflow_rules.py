"""The rules of the major-hazard closed loop 线上填报—派单督办—整改反馈—复核销号, with the spec's figures:
dispatch needs a document and a deadline after today; closing needs every item reviewed and closed, a
supervision log, and a review log where a 整改通知书 (指令书) was issued; returned items keep the hazard
open and must be answered again; extension approval moves the deadline; the deadline colours are
30/20/10/0 days (blue/yellow/orange/red)."""
import pytest

from domains.special_equipment.hazards import services
from domains.special_equipment.hazards.alerts import deadline_level
from domains.special_equipment.hazards.exports import deadline_level_q, level_range
from domains.special_equipment.hazards.models import MajorHazard
from domains.special_equipment.hazards.workflows import MAJOR
from kernel.core import context
from kernel.workflow.engine import TransitionError

from .test_gov_support import XINGNING, World, days, item_states

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return World()


def apply(hazard, name, user, **kwargs):
    with context.acting_as(user):
        return MAJOR.apply(hazard, name, user, **kwargs)


class TestEntry:
    def test_regulator_entry_goes_to_the_local_bureau(self, w):
        hazard = w.report()
        assert hazard.status == "reported" and hazard.no.startswith("YH")
        assert hazard.managing_agency == w.qx_agency  # 属地: the county bureau of the lift's county
        assert hazard.reporter_org == w.qx_agency
        assert item_states(hazard) == ["open", "open"]

    def test_city_regulator_entry_is_managed_by_the_city(self, w):
        """分级、谁主管谁负责: the level that found it dispatches it; its regulators get the reminder."""
        from kernel.todos.services import open_for

        hazard = w.report(by=w.city)
        assert hazard.reporter_org == w.city_agency and hazard.managing_agency == w.city_agency
        assert open_for(w.city).filter(object_id=str(hazard.pk)).exists()
        assert not open_for(w.qx).filter(object_id=str(hazard.pk)).exists()

    def test_unit_and_institution_reports_go_to_the_local_bureau(self, w):
        hazard = w.report(by=w.unit_user, source="unit")
        assert hazard.managing_agency == w.qx_agency

    def test_unit_outside_the_jurisdiction_is_refused(self, w):
        from django.core.exceptions import PermissionDenied

        with pytest.raises(PermissionDenied):
            w.report(by=w.qx, unit=w.xn_unit, equipment=None)
        assert not MajorHazard.objects.filter(user_unit=w.xn_unit).exists()


class TestDispatch:
    @pytest.mark.parametrize("deadline_days", [0, -1])
    def test_deadline_must_be_after_today(self, w, deadline_days):
        hazard = w.report()
        with pytest.raises(TransitionError, match="整改期限必须晚于今天"):
            w.dispatch(hazard, deadline_days=deadline_days)
        hazard.refresh_from_db()
        assert hazard.status == "reported" and hazard.deadline is None and hazard.directive == ""

    def test_directive_is_required(self, w):
        hazard = w.report()
        with pytest.raises(TransitionError, match="请选择下达的文书"):
            with context.acting_as(w.qx):
                services.dispatch(hazard, w.qx, directive="", deadline=days(20))
        assert MajorHazard.objects.get(pk=hazard.pk).status == "reported"

    def test_tomorrow_is_accepted_and_numbered(self, w):
        hazard = w.dispatch(w.report(), directive="letter", deadline_days=1)
        assert hazard.status == "rectifying" and hazard.deadline == days(1)
        assert hazard.directive_no.startswith("督处函〔") and hazard.dispatched_at is not None

    def test_other_county_regulator_cannot_dispatch(self, w):
        hazard = w.report()
        with pytest.raises(TransitionError, match="不在您的管辖范围内"):
            w.dispatch(hazard, by=w.xn)

    def test_unit_cannot_dispatch(self, w):
        hazard = w.report()
        with pytest.raises(TransitionError, match="权限"):
            w.dispatch(hazard, by=w.unit_user)


class TestClose:
    def test_refused_without_a_supervision_log(self, w):
        hazard = w.review_all(w.feed_back(w.dispatch(w.report(), directive="letter")))
        assert item_states(hazard) == ["closed", "closed"]
        with pytest.raises(TransitionError, match="该隐患没有监察日志，不能销号"):
            apply(hazard, "close", w.qx)
        hazard.refresh_from_db()
        assert hazard.status == "feedback" and hazard.closed_at is None

    def test_a_notice_needs_a_review_log(self, w):
        hazard = w.review_all(w.feed_back(w.dispatch(w.report(), directive="notice")))
        w.log(hazard, "supervision")
        with pytest.raises(TransitionError, match="须有复核日志"):
            apply(hazard, "close", w.qx)
        assert MajorHazard.objects.get(pk=hazard.pk).status == "feedback"
        w.log(hazard, "review")
        apply(hazard, "close", w.qx, comment="整改到位，予以销号")
        hazard.refresh_from_db()
        assert hazard.status == "closed" and hazard.closed_at is not None

    def test_a_letter_closes_with_a_supervision_log_only(self, w):
        hazard = w.review_all(w.feed_back(w.dispatch(w.report(), directive="letter")))
        w.log(hazard, "supervision")
        apply(hazard, "close", w.qx)
        assert MajorHazard.objects.get(pk=hazard.pk).status == "closed"

    def test_only_when_every_item_is_closed(self, w):
        hazard = w.feed_back(w.dispatch(w.report(), directive="letter"))
        w.log(hazard, "supervision")
        first, second = hazard.items.order_by("id")
        with context.acting_as(w.qx):
            services.review_item(first, w.qx, passed=True)
        with pytest.raises(TransitionError, match="尚有1项隐患未复核销项，不能销号"):
            apply(hazard, "close", w.qx)
        with context.acting_as(w.qx):
            services.review_item(second, w.qx, passed=False, comment="限速器仍未校验")
        with pytest.raises(TransitionError, match="尚有1项隐患未复核销项"):
            apply(hazard, "close", w.qx)
        assert MajorHazard.objects.get(pk=hazard.pk).status == "feedback"

    def test_no_log_after_closing(self, w):
        from django.core.exceptions import ValidationError

        hazard = w.review_all(w.feed_back(w.dispatch(w.report(), directive="letter")))
        w.log(hazard)
        apply(hazard, "close", w.qx)
        with pytest.raises(ValidationError, match="已办结"):
            w.log(hazard)


class TestReturn:
    def test_returned_items_keep_the_hazard_open_and_are_answered_again(self, w):
        hazard = w.feed_back(w.dispatch(w.report(), directive="letter"))
        first, second = hazard.items.order_by("id")
        with context.acting_as(w.qx):
            services.review_item(first, w.qx, passed=True, comment="已更换")
            services.review_item(second, w.qx, passed=False, comment="门锁仍被短接")
        apply(hazard, "return", w.qx, comment="第2项未整改到位")
        hazard.refresh_from_db()
        assert hazard.status == "rectifying"
        second.refresh_from_db()
        assert second.status == "returned" and second.feedback == ""
        assert second.history[0]["review"] == "门锁仍被短接"
        # the unit must answer the returned item again: submitting without it is refused
        with pytest.raises(Exception, match="尚有1项隐患未填写整改情况"):
            with context.acting_as(w.unit_user):
                services.submit_feedback(hazard, w.unit_user, feedback={}, comment="再次申请销号")
        assert MajorHazard.objects.get(pk=hazard.pk).status == "rectifying"
        hazard = w.feed_back(hazard, text="已恢复门锁电气安全装置")
        assert hazard.status == "feedback"
        assert item_states(hazard) == ["closed", "fed_back"]  # the closed item stays closed

    def test_return_needs_a_returned_item_and_a_comment(self, w):
        hazard = w.review_all(w.feed_back(w.dispatch(w.report())))
        with pytest.raises(TransitionError, match="请先对未整改到位的隐患明细逐项退回"):
            apply(hazard, "return", w.qx, comment="退回")
        with pytest.raises(TransitionError, match="请填写处理意见"):
            apply(hazard, "return", w.qx)

    def test_item_return_needs_a_comment(self, w):
        from django.core.exceptions import ValidationError

        hazard = w.feed_back(w.dispatch(w.report()))
        item = hazard.items.first()
        with pytest.raises(ValidationError, match="退回整改须填写复核意见"):
            with context.acting_as(w.qx):
                services.review_item(item, w.qx, passed=False, comment=" ")
        item.refresh_from_db()
        assert item.status == "fed_back"


class TestExtension:
    def test_approval_moves_the_deadline(self, w):
        hazard = w.dispatch(w.report(), deadline_days=20)
        apply(hazard, "request_extension", w.unit_user, comment="配件需从厂家订货",
              data={"requested_deadline": days(45).isoformat()})
        hazard.refresh_from_db()
        assert hazard.status == "extension" and hazard.requested_deadline == days(45)
        apply(hazard, "approve_extension", w.qx, comment="同意")
        hazard.refresh_from_db()
        assert (hazard.status, hazard.deadline, hazard.extensions, hazard.requested_deadline) == (
            "rectifying", days(45), 1, None)

    def test_rejection_keeps_the_deadline(self, w):
        hazard = w.dispatch(w.report(), deadline_days=20)
        apply(hazard, "request_extension", w.unit_user, comment="人手不足",
              data={"requested_deadline": days(30).isoformat()})
        with pytest.raises(TransitionError, match="请填写处理意见"):
            apply(hazard, "reject_extension", w.qx)
        apply(hazard, "reject_extension", w.qx, comment="理由不充分")
        hazard.refresh_from_db()
        assert (hazard.status, hazard.deadline, hazard.extensions) == ("rectifying", days(20), 0)

    def test_requested_date_must_be_after_the_deadline(self, w):
        hazard = w.dispatch(w.report(), deadline_days=20)
        with pytest.raises(TransitionError, match="延期日期必须晚于原整改期限"):
            apply(hazard, "request_extension", w.unit_user, comment="x",
                  data={"requested_deadline": days(20).isoformat()})


class TestDeadlineColours:
    @pytest.mark.parametrize("left,level", [(30, None), (29, "blue"), (20, "blue"), (19, "yellow"), (10, "yellow"),
                                            (9, "orange"), (0, "orange"), (-1, "red")])
    def test_levels_and_the_db_filter_agree(self, w, left, level):
        assert deadline_level(left) == level
        hazard = w.dispatch(w.report(), deadline_days=5)
        MajorHazard.objects.filter(pk=hazard.pk).update(deadline=days(left))  # time passing
        hazard.refresh_from_db()
        assert hazard.deadline_colour == level
        for key in ("blue", "yellow", "orange", "red"):
            matched = MajorHazard.objects.filter(deadline_level_q(key), pk=hazard.pk).exists()
            assert matched == (key == level), key

    def test_no_colour_once_fed_back(self, w):
        hazard = w.feed_back(w.dispatch(w.report(), deadline_days=5))
        assert hazard.deadline_colour is None
        assert not MajorHazard.objects.filter(deadline_level_q("orange"), pk=hazard.pk).exists()

    def test_ranges(self):
        assert level_range("blue") == (days(20), days(30))
        assert level_range("red") == (None, days(0))


def test_each_level_handles_its_own(w):
    """A hazard of 兴宁区 is the 兴宁区 bureau's reminder, not the city's nor 青秀区's."""
    hazard = w.hazard_in(XINGNING, by=w.xn)
    assert hazard.managing_agency == w.xn_agency


def test_feedback_tells_the_managing_regulators_by_message_and_sms(w, django_capture_on_commit_callbacks):
    from kernel.notify.models import InAppMessage, SmsMessage

    w.qx.phone = "13907719901"
    w.qx.save(update_fields=["phone"])
    hazard = w.dispatch(w.report())
    with django_capture_on_commit_callbacks(execute=True):
        w.feed_back(hazard)
    sms = SmsMessage.objects.get(template__code="se_hazard_fed_back")
    assert sms.phone == "13907719901" and hazard.no in sms.content and w.unit.name in sms.content
    assert InAppMessage.objects.filter(recipient=w.qx, url=f"/gov/se/hazards/{hazard.pk}/").exists()
    assert not SmsMessage.objects.filter(template__code="se_hazard_fed_back").exclude(phone=w.qx.phone).exists()
