"""Agency pages of the closed loop: the list (filters, deadline colours, export), regulator entry, the
hazard page's actions (dispatch, extension, per-item review, return, logs, close) with their audit rows,
and reminder slips by managing unit and source. Bad input gives field errors and changes nothing."""
import pytest
from django.urls import reverse

from domains.special_equipment.hazards.models import HazardItem, JudgementItem, MajorHazard, SupervisionLog
from domains.special_equipment.hazards.workflows import MAJOR
from kernel.audit.models import ChangeLog, OperationLog
from kernel.core import context
from kernel.core.testing import xlsx_rows
from kernel.workflow.models import TransitionLog

from .test_gov_support import LIUZHOU, QINGXIU, XINGNING, World, days, item_states, regulator

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return World()


def login(client, user):
    client.force_login(user)
    return client


def detail(hazard):
    return reverse("gov:se_hazard_detail", args=[hazard.pk])


def post(client, hazard, **data):
    return client.post(detail(hazard), data)


def changes(model_label, pk):
    app, model = model_label.split(".")
    return ChangeLog.objects.filter(content_type__app_label=app, content_type__model=model, object_id=str(pk))


# == list ====================================================================================================
class TestList:
    def test_filters_and_colour_badges(self, client, w):
        blue = w.dispatch(w.report(), deadline_days=25)
        red = w.dispatch(w.report(), deadline_days=5)
        MajorHazard.objects.filter(pk=red.pk).update(deadline=days(-2))
        waiting = w.report(source="complaint")
        c = login(client, w.qx)
        page = c.get(reverse("gov:se_hazard_list")).content.decode()
        assert all(h.no in page for h in (blue, red, waiting))
        assert 'data-level="blue"' in page and 'data-level="red"' in page and "已超期2天" in page

        def nos(**params):
            html = c.get(reverse("gov:se_hazard_list"), params).content.decode()
            return {h.no for h in (blue, red, waiting) if h.no in html}

        assert nos(level="red") == {red.no}
        assert nos(level="blue") == {blue.no}
        assert nos(level="orange") == set()
        assert nos(status="reported") == {waiting.no}
        assert nos(source="complaint") == {waiting.no}
        assert nos(unit_name=w.unit.name[-8:]) == {blue.no, red.no, waiting.no}
        assert nos(unit_name="不存在的单位") == set()
        assert nos(region=str(w.qx_agency.region_id)) == {blue.no, red.no, waiting.no}
        assert nos(equipment_category="2000") == set()
        assert nos(deadline_to=days(0).isoformat()) == {red.no}
        assert nos(found_from=days(1).isoformat()) == set()

    def test_bad_filter_value_shows_nothing(self, client, w):
        hazard = w.report()
        page = login(client, w.qx).get(reverse("gov:se_hazard_list"), {"level": "purple"}).content.decode()
        assert hazard.no not in page

    def test_export_uses_the_filters_and_is_audited(self, client, w):
        red = w.dispatch(w.report(), deadline_days=5)
        MajorHazard.objects.filter(pk=red.pk).update(deadline=days(-1))
        other = w.report()
        c = login(client, w.qx)
        rows = xlsx_rows(c.get(reverse("gov:se_hazard_list"), {"level": "red", "export": "xlsx"}))
        assert rows[0][:3] == ["隐患编号", "隐患来源", "隐患类型"]
        assert [r[0] for r in rows[1:]] == [red.no]
        assert "红色" in rows[1] and other.no not in str(rows)
        assert OperationLog.objects.filter(action="export", actor=w.qx, detail__object="重大事故隐患").exists()

    def test_export_needs_the_permission(self, client, w):
        from kernel.core.testing import make_staff

        viewer = make_staff(QINGXIU, ["se_hazards.view_majorhazard"])
        assert login(client, viewer).get(reverse("gov:se_hazard_list"), {"export": "xlsx"}).status_code == 403

    def test_list_is_a_few_queries(self, client, w, django_assert_max_num_queries):
        for _ in range(5):
            w.dispatch(w.report())
        c = login(client, w.qx)
        c.get(reverse("gov:se_hazard_list"))  # warm the caches (menus, filter form, count)
        with django_assert_max_num_queries(12):
            response = c.get(reverse("gov:se_hazard_list"))
        assert response.status_code == 200


    def test_hidden_columns_join_nothing_and_shown_ones_add_no_query_per_row(self, client, w):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        for _ in range(5):
            w.dispatch(w.report())
        c = login(client, w.qx)
        c.get(reverse("gov:se_hazard_list"))
        with CaptureQueriesContext(connection) as default:
            c.get(reverse("gov:se_hazard_list"))
        page_sql = [q["sql"] for q in default.captured_queries if "se_hazards_majorhazard" in q["sql"]]
        assert page_sql and not any("se_equipment_equipment" in sql for sql in page_sql)  # 设备代码 is hidden
        w.qx.preferences = {"columns": {"se_hazards": ["no", "equipment", "reporter_org", "managing_agency"]}}
        w.qx.save(update_fields=["preferences"])
        c.get(reverse("gov:se_hazard_list"))
        with CaptureQueriesContext(connection) as chosen:
            html = c.get(reverse("gov:se_hazard_list")).content.decode()
        assert w.lift.code in html and w.unit.name not in html
        assert len(chosen.captured_queries) <= len(default.captured_queries) + 1

# == entry ======================================================================================================
class TestEntry:
    def form_data(self, w, **over):
        data = {"user_unit": w.unit.pk, "equipment": w.lift.pk, "source": "supervision", "equipment_category": "3000",
                "found_on": days(0).isoformat(), "description": "检查发现限速器失效、门锁被短接",
                "judgement_items": [j.pk for j in w.items], "other_items": "机房无应急照明"}
        data.update(over)
        return data

    def test_page_shows_units_and_criteria_with_measures(self, client, w):
        c = login(client, w.qx)
        page = c.get(reverse("gov:se_hazard_create")).content.decode()
        assert w.unit.name in page and w.xn_unit.name not in page
        items = c.get(reverse("gov:se_hazard_judgement_options"), {"equipment_category": "3000"}).content.decode()
        lift_item = JudgementItem.objects.get(code="DT-01")
        assert lift_item.text in items and f"建议处置措施：{lift_item.measures}" in items
        assert JudgementItem.objects.get(code="GL-01").text not in items  # a boiler criterion
        assert JudgementItem.objects.get(code="T-01").text in items  # general criteria apply everywhere
        units = c.get(reverse("gov:se_hazard_units"), {"q": w.unit.name[-6:]}).content.decode()
        assert w.unit.name in units
        assert w.xn_unit.name not in c.get(reverse("gov:se_hazard_units"), {"q": w.xn_unit.name}).content.decode()
        devices = c.get(reverse("gov:se_hazard_unit_equipment"), {"user_unit": w.unit.pk}).content.decode()
        assert w.lift.code in devices

    def test_entry_creates_the_hazard_items_and_a_reminder(self, client, w):
        c = login(client, w.qx)
        response = c.post(reverse("gov:se_hazard_create"), self.form_data(w))
        assert response.status_code == 302
        hazard = MajorHazard.objects.get(user_unit=w.unit)
        assert response["Location"] == detail(hazard)
        assert hazard.status == "reported" and hazard.equipment == w.lift and hazard.created_by == w.qx
        assert hazard.items.count() == 3 and hazard.items.filter(description="机房无应急照明").exists()
        assert changes("se_hazards.majorhazard", hazard.pk).filter(action="create", actor=w.qx).exists()
        reminders = login(client, w.qx).get(reverse("gov:se_hazard_reminders")).content.decode()
        assert hazard.no in reminders

    @pytest.mark.parametrize("over,field,message", [
        ({"user_unit": ""}, "user_unit", "该字段是必填项"),
        ({"description": ""}, "description", "该字段是必填项"),
        ({"judgement_items": [], "other_items": ""}, "judgement_items", "请至少选择一项判定项或填写其他隐患问题"),
        ({"found_on": days(1).isoformat()}, "found_on", "发现日期不能晚于今天"),
        ({"equipment_category": "2000", "judgement_items": []}, "equipment_category", "与隐患类型不一致"),
        ({"judgement_items": ["999999"]}, "judgement_items", "判定项不存在"),
    ])
    def test_bad_input_gives_field_errors_and_changes_nothing(self, client, w, over, field, message):
        response = login(client, w.qx).post(reverse("gov:se_hazard_create"), self.form_data(w, **over))
        assert response.status_code == 400
        assert message in " ".join(str(e) for e in response.context["form"].errors.get(field, []))
        assert f'data-field="{field}"' in response.content.decode()
        assert not MajorHazard.objects.exists() and not HazardItem.objects.exists()

    def test_unit_of_another_county_is_refused(self, client, w):
        response = login(client, w.qx).post(reverse("gov:se_hazard_create"),
                                            self.form_data(w, user_unit=w.xn_unit.pk, equipment=""))
        assert response.status_code == 400 and "请选择您辖区内的使用单位" in response.content.decode()
        assert not MajorHazard.objects.exists()

    def test_device_of_another_unit_is_refused(self, client, w):
        from .test_gov_support import lift

        other = lift(w.unit.__class__.objects.create(name="青秀另一单位", kind="enterprise", region=w.unit.region))
        response = login(client, w.qx).post(reverse("gov:se_hazard_create"), self.form_data(w, equipment=other.pk))
        assert response.status_code == 400 and "所选设备不属于该使用单位" in response.content.decode()
        assert not MajorHazard.objects.exists()

    def test_unit_user_cannot_open_the_agency_entry(self, client, w):
        assert login(client, w.unit_user).get(reverse("gov:se_hazard_create")).status_code == 403


# == the hazard page ======================================================================================================
class TestDispatchPage:
    def test_dispatch_with_a_notice(self, client, w):
        hazard = w.report()
        c = login(client, w.qx)
        page = c.get(detail(hazard)).content.decode()
        assert 'id="dispatch-form"' in page and "整改督处函" in page
        response = post(c, hazard, action="dispatch", directive="notice", deadline=days(30).isoformat(),
                         requirement="停梯整改", comment="限期整改")
        assert response.status_code == 302
        hazard.refresh_from_db()
        assert (hazard.status, hazard.directive, hazard.deadline) == ("rectifying", "notice", days(30))
        log = TransitionLog.objects.get(object_id=str(hazard.pk), transition="dispatch")
        assert log.actor == w.qx and log.comment == "限期整改"
        assert changes("se_hazards.majorhazard", hazard.pk).filter(action="update", actor=w.qx).exists()
        page = c.get(detail(hazard)).content.decode()
        assert 'id="download-docx"' in page and 'id="download-pdf"' in page and 'id="dispatch-form"' not in page

    @pytest.mark.parametrize("data,field,message", [
        ({"deadline": days(0).isoformat()}, "deadline", "整改期限必须晚于今天"),
        ({"deadline": days(-3).isoformat()}, "deadline", "整改期限必须晚于今天"),
        ({"deadline": ""}, "deadline", "请填写整改期限"),
        ({"deadline": "2026-13-45"}, "deadline", "日期"),
        ({"directive": ""}, "directive", "请选择下达的文书"),
        ({"directive": "order"}, "directive", "选择一个有效的选项"),
        ({"requirement": ""}, "requirement", "请填写整改要求"),
    ])
    def test_bad_dispatch_input(self, client, w, data, field, message):
        hazard = w.report()
        values = {"action": "dispatch", "directive": "notice", "deadline": days(10).isoformat(), "requirement": "整改"}
        values.update(data)
        response = post(login(client, w.qx), hazard, **values)
        assert response.status_code == 400
        html = response.content.decode()
        assert f'data-field="{field}"' in html and message in html
        hazard.refresh_from_db()
        assert (hazard.status, hazard.directive, hazard.deadline) == ("reported", "", None)
        assert not TransitionLog.objects.filter(object_id=str(hazard.pk)).exists()

    def test_revoke_needs_a_reason(self, client, w):
        hazard = w.report()
        c = login(client, w.qx)
        response = post(c, hazard, action="revoke", comment="")
        assert response.status_code == 400 and "请填写撤销理由" in response.content.decode()
        assert post(c, hazard, action="revoke", comment="重复录入").status_code == 302
        hazard.refresh_from_db()
        assert hazard.status == "revoked"

    def test_action_in_the_wrong_state_changes_nothing(self, client, w):
        hazard = w.dispatch(w.report())
        c = login(client, w.qx)
        response = post(c, hazard, action="close")
        assert response.status_code == 302
        assert "不能办理该事项" in str(list(c.get(detail(hazard)).context["messages"]))
        assert MajorHazard.objects.get(pk=hazard.pk).status == "rectifying"
        assert post(c, hazard, action="nonsense").status_code == 404


class TestExtensionPage:
    def request(self, w, hazard, to=40):
        with context.acting_as(w.unit_user):
            MAJOR.apply(hazard, "request_extension", w.unit_user, comment="配件订货周期长",
                        data={"requested_deadline": days(to).isoformat()})

    def test_approval_moves_the_deadline(self, client, w):
        hazard = w.dispatch(w.report(), deadline_days=20)
        self.request(w, hazard)
        c = login(client, w.qx)
        page = c.get(detail(hazard)).content.decode()
        assert 'id="extension-form"' in page and "配件订货周期长" in page
        assert post(c, hazard, action="extension", decision="approve_extension", comment="").status_code == 302
        hazard.refresh_from_db()
        assert (hazard.status, hazard.deadline, hazard.extensions) == ("rectifying", days(40), 1)
        rows = changes("se_hazards.majorhazard", hazard.pk).filter(actor=w.qx, action="update")
        assert any("deadline" in row.changed_fields and row.after["deadline"] == days(40).isoformat() for row in rows)

    def test_rejection_needs_a_reason(self, client, w):
        hazard = w.dispatch(w.report(), deadline_days=20)
        self.request(w, hazard)
        c = login(client, w.qx)
        response = post(c, hazard, action="extension", decision="reject_extension", comment="")
        assert response.status_code == 400 and "不同意延期须填写理由" in response.content.decode()
        assert MajorHazard.objects.get(pk=hazard.pk).status == "extension"
        response = post(c, hazard, action="extension", decision="", comment="")
        assert response.status_code == 400 and "请选择是否同意延期" in response.content.decode()
        assert post(c, hazard, action="extension", decision="reject_extension", comment="理由不足").status_code == 302
        hazard.refresh_from_db()
        assert (hazard.status, hazard.deadline) == ("rectifying", days(20))


class TestReviewAndClosePage:
    def test_item_review_return_and_close(self, client, w):
        hazard = w.feed_back(w.dispatch(w.report(), directive="notice"))
        first, second = hazard.items.order_by("id")
        c = login(client, w.qx)
        page = c.get(detail(hazard)).content.decode()
        assert page.count('class="row g-2 mt-1 align-items-start review-form"') == 2
        # returning an item needs a comment
        response = post(c, hazard, action="review_item", item=second.pk, verdict="return", comment="")
        assert response.status_code == 400 and "退回整改须填写复核意见" in response.content.decode()
        assert item_states(hazard) == ["fed_back", "fed_back"]
        assert post(c, hazard, action="review_item", item=first.pk, verdict="pass", comment="").status_code == 302
        assert post(c, hazard, action="review_item", item=second.pk, verdict="return",
                    comment="门锁仍被短接").status_code == 302
        assert OperationLog.objects.filter(action="se_item_review", actor=w.qx).count() == 2
        page = c.get(detail(hazard)).content.decode()
        assert 'id="return-form"' in page and "尚有1项隐患未复核销项，不能销号" in page
        response = post(c, hazard, action="close")
        assert response.status_code == 400 and "尚有1项隐患未复核销项，不能销号" in response.content.decode()
        assert post(c, hazard, action="return", comment="").status_code == 400
        assert post(c, hazard, action="return", comment="第2项未整改到位").status_code == 302
        hazard.refresh_from_db()
        assert hazard.status == "rectifying" and item_states(hazard) == ["closed", "returned"]
        # the unit answers the returned item again; then the close rules apply one by one
        hazard = w.review_all(w.feed_back(hazard))
        response = post(c, hazard, action="close")
        assert response.status_code == 400 and "该隐患没有监察日志，不能销号" in response.content.decode()
        assert post(c, hazard, action="add_log", kind="supervision", date=days(0).isoformat(), inspectors="韦监察",
                    content="现场核查").status_code == 302
        response = post(c, hazard, action="close")
        assert response.status_code == 400 and "须有复核日志才能销号" in response.content.decode()
        assert post(c, hazard, action="add_log", kind="review", date=days(0).isoformat(), inspectors="韦监察",
                    content="复核整改到位").status_code == 302
        assert post(c, hazard, action="close", comment="予以销号").status_code == 302
        hazard.refresh_from_db()
        assert hazard.status == "closed"
        logs = SupervisionLog.objects.filter(hazard=hazard)
        assert sorted(logs.values_list("kind", flat=True)) == ["review", "supervision"]
        assert all(changes("se_hazards.supervisionlog", log.pk).filter(action="create", actor=w.qx).exists()
                   for log in logs)
        assert TransitionLog.objects.filter(object_id=str(hazard.pk), transition="close", actor=w.qx).exists()
        page = c.get(detail(hazard)).content.decode()
        assert 'id="log-form"' not in page and 'id="close-form"' not in page

    @pytest.mark.parametrize("data,field,message", [
        ({"inspectors": ""}, "inspectors", "该字段是必填项"),
        ({"content": ""}, "content", "该字段是必填项"),
        ({"kind": "diary"}, "kind", "选择一个有效的选项"),
        ({"date": days(1).isoformat()}, "date", "检查日期不能晚于今天"),
    ])
    def test_bad_log_input(self, client, w, data, field, message):
        hazard = w.dispatch(w.report())
        values = {"action": "add_log", "kind": "supervision", "date": days(0).isoformat(), "inspectors": "韦监察",
                  "content": "现场检查"}
        values.update(data)
        response = post(login(client, w.qx), hazard, **values)
        assert response.status_code == 400
        assert f'data-field="{field}"' in response.content.decode() and message in response.content.decode()
        assert not SupervisionLog.objects.exists()


# == reminder slips ======================================================================================================
class TestReminders:
    def test_each_level_sees_its_own_by_source(self, client, w):
        qx_supervision = w.report(source="supervision")
        qx_complaint = w.report(source="complaint")
        xn = w.hazard_in(XINGNING, by=w.xn)
        dispatched = w.dispatch(w.report())
        c = login(client, w.qx)
        page = c.get(reverse("gov:se_hazard_reminders")).content.decode()
        assert qx_supervision.no in page and qx_complaint.no in page
        assert xn.no not in page and dispatched.no not in page
        for text in ("隐患来源", "隐患类型", "隐患问题描述", "处理时间", "特种设备使用单位", "管理单位", w.qx_agency.name):
            assert text in page
        only = c.get(reverse("gov:se_hazard_reminders"), {"source": "complaint"}).content.decode()
        assert qx_complaint.no in only and qx_supervision.no not in only
        assert 'data-source="complaint"' in only
        # the city bureau sees the county's hazards in its list but not as its own reminders
        c = login(client, w.city)
        assert qx_supervision.no in c.get(reverse("gov:se_hazard_list")).content.decode()
        assert qx_supervision.no not in c.get(reverse("gov:se_hazard_reminders")).content.decode()
        assert xn.no in login(client, w.xn).get(reverse("gov:se_hazard_reminders")).content.decode()

    def test_home_card_and_menu(self, client, w):
        w.report()
        c = login(client, w.qx)
        home = c.get(reverse("gov:home")).content.decode()
        assert "待派单隐患提醒单" in home
        for label in ("重大事故隐患", "隐患提醒单", "隐患判定项配置"):
            assert label in home
        assert "特种设备" in home

    def test_without_dispatch_permission_no_reminders(self, client, w):
        from kernel.core.testing import make_staff

        viewer = make_staff(QINGXIU, ["se_hazards.view_majorhazard"])
        assert login(client, viewer).get(reverse("gov:se_hazard_reminders")).status_code == 403


def test_liuzhou_regulator_reminders_are_empty(client, w):
    hazard = w.report()
    page = login(client, w.lz).get(reverse("gov:se_hazard_reminders")).content.decode()
    assert hazard.no not in page
    assert regulator(LIUZHOU) is not None
