"""The rectification-deadline warning (4.3.2): fewer than 30 days left blue, fewer than 20 yellow,
fewer than 10 orange, past the deadline red; one warning per hazard; released once the unit has fed
back; the fixed-template SMS to the unit's safety manager once per level."""
import pytest

from domains.special_equipment.hazards import services
from domains.special_equipment.hazards.alerts import DEADLINE_LEVELS, deadline_level
from domains.special_equipment.hazards.models import MajorHazard
from kernel.accounts.models import Role
from kernel.alerts import scanner
from kernel.alerts.models import Warning, WarningEvent
from kernel.core import context
from kernel.notify.models import SmsMessage

from .test_ent_support import World, days, make_user

RULE = "se_hazard_deadline"
OPEN = ("generated", "reviewed", "assigned", "handled")


# -- deadline_level(): the same boundaries as the scan -------------------------------------------------
@pytest.mark.parametrize("days_left, level", [
    (None, None), (45, None), (30, None), (29, "blue"), (20, "blue"), (19, "yellow"), (10, "yellow"),
    (9, "orange"), (1, "orange"), (0, "orange"), (-1, "red"), (-400, "red"),
])
def test_deadline_level_boundaries(days_left, level):
    assert deadline_level(days_left) == level


def test_deadline_level_follows_configured_thresholds():
    levels = [{"level": "blue", "threshold": 15}, {"level": "red", "threshold": 0}]
    assert [deadline_level(n, levels) for n in (15, 14, 0, -1)] == [None, "blue", "blue", "red"]
    assert [entry["threshold"] for entry in DEADLINE_LEVELS] == [30, 20, 10, 0]


# -- the scan ---------------------------------------------------------------------------------------------
@pytest.fixture
def world(db):
    return World()


def rectifying(world, days_left):
    """A dispatched hazard (待整改) whose deadline is today + days_left."""
    hazard = world.dispatch(world.report(), deadline_days=max(days_left, 1))
    if days_left < 1:  # dispatch refuses a past deadline: the time has passed since
        MajorHazard.objects.filter(pk=hazard.pk).update(deadline=days(days_left))
        hazard.refresh_from_db()
    return hazard


def open_level(hazard):
    return (Warning.objects.filter(rule__code=RULE, subject_id=hazard.pk, status__in=OPEN)
            .values_list("level", flat=True).first())


def scan(capture):
    with capture(execute=True):
        return scanner.scan(RULE)


def test_colour_boundaries_at_30_20_10_and_0_days(world, django_capture_on_commit_callbacks):
    hazards = {n: rectifying(world, n) for n in (30, 29, 20, 19, 10, 9, 0, -1)}
    stats = scan(django_capture_on_commit_callbacks)
    assert stats["raised"] == 7
    assert {n: open_level(h) for n, h in hazards.items()} == {
        30: None, 29: "blue", 20: "blue", 19: "yellow", 10: "yellow", 9: "orange", 0: "orange", -1: "red"}
    warning = Warning.objects.get(subject_id=hazards[-1].pk)
    assert warning.subject_repr == hazards[-1].no and warning.region == hazards[-1].region
    assert warning.organisation == world.unit and warning.value == days(-1).isoformat()
    # the list colour of a hazard says the same
    assert {n: h.deadline_colour for n, h in hazards.items()} == {
        30: None, 29: "blue", 20: "blue", 19: "yellow", 10: "yellow", 9: "orange", 0: "orange", -1: "red"}


def test_only_hazards_awaiting_feedback_are_watched(world, django_capture_on_commit_callbacks):
    waiting_dispatch = world.report(deadline=days(5))  # reported with a proposed deadline, not dispatched
    fed_back = world.fed_back(world.report())
    MajorHazard.objects.filter(pk=fed_back.pk).update(deadline=days(3))
    stats = scan(django_capture_on_commit_callbacks)
    assert stats["matched"] == 0
    assert open_level(waiting_dispatch) is None and open_level(fed_back) is None


def test_scanning_twice_creates_one_warning(world, django_capture_on_commit_callbacks):
    hazard = rectifying(world, 15)
    scan(django_capture_on_commit_callbacks)
    stats = scan(django_capture_on_commit_callbacks)
    assert stats["raised"] == 0 and stats["changed"] == 0 and stats["released"] == 0
    assert Warning.objects.filter(rule__code=RULE, subject_id=hazard.pk).count() == 1


def test_worsening_changes_the_level(world, django_capture_on_commit_callbacks):
    hazard = rectifying(world, 25)
    scan(django_capture_on_commit_callbacks)
    assert open_level(hazard) == "blue"
    MajorHazard.objects.filter(pk=hazard.pk).update(deadline=days(5))  # time passes
    stats = scan(django_capture_on_commit_callbacks)
    assert stats["changed"] == 1 and stats["raised"] == 0 and open_level(hazard) == "orange"
    MajorHazard.objects.filter(pk=hazard.pk).update(deadline=days(-2))
    scan(django_capture_on_commit_callbacks)
    assert open_level(hazard) == "red"
    warning = Warning.objects.get(subject_id=hazard.pk)
    assert list(WarningEvent.objects.filter(warning=warning).values_list("kind", "from_level", "to_level")) == [
        ("raised", "", "blue"), ("level", "blue", "orange"), ("level", "orange", "red")]


def test_an_approved_extension_lowers_the_level(world, django_capture_on_commit_callbacks):
    """The deadline moves with an approved extension: the level follows the new deadline."""
    hazard = rectifying(world, 5)
    scan(django_capture_on_commit_callbacks)
    assert open_level(hazard) == "orange"
    MajorHazard.objects.filter(pk=hazard.pk).update(deadline=days(25))
    scan(django_capture_on_commit_callbacks)
    assert open_level(hazard) == "blue"
    MajorHazard.objects.filter(pk=hazard.pk).update(deadline=days(60))
    assert scan(django_capture_on_commit_callbacks)["released"] == 1


def test_feedback_submitted_releases_the_warning(world, django_capture_on_commit_callbacks):
    hazard = rectifying(world, -3)
    scan(django_capture_on_commit_callbacks)
    assert open_level(hazard) == "red"
    with context.acting_as(world.unit_user):
        services.submit_feedback(hazard, world.unit_user, comment="已整改完毕",
                                 feedback={str(i.pk): "已更换限速器" for i in hazard.items.all()})
    stats = scan(django_capture_on_commit_callbacks)
    assert stats["released"] == 1
    warning = Warning.objects.get(subject_id=hazard.pk)
    assert warning.status == "released" and warning.release_type == "auto"


# -- the SMS to the safety manager -------------------------------------------------------------------------
def test_sms_once_per_level_to_the_units_safety_manager(world, django_capture_on_commit_callbacks):
    # The unit's first user is no longer the safety manager: the later safety manager gets the SMS.
    world.unit_user.roles.remove(Role.objects.get(code="se_unit_safety"))
    world.unit_user.phone = "13900000001"
    world.unit_user.save()
    safety = make_user(world.unit, ["se_unit_safety"], real_name="覃安全")
    safety.phone = "13800138000"
    safety.save()
    hazard = rectifying(world, 25)

    def deadline_sms():
        return list(SmsMessage.objects.filter(template__code=RULE).order_by("id"))

    scan(django_capture_on_commit_callbacks)
    scan(django_capture_on_commit_callbacks)  # no change: no second message
    sent = deadline_sms()
    assert len(sent) == 1
    assert sent[0].phone == "13800138000"
    assert sent[0].params["level"] == "蓝色" and sent[0].params["no"] == hazard.no
    assert sent[0].content.endswith(
        f"{world.unit.name}：重大事故隐患（编号{hazard.no}）整改期限为{hazard.deadline:%Y年%m月%d日}，"
        f"现为蓝色预警，请尽快整改并反馈。")
    assert sent[0].related == f"se_hazards.majorhazard:{hazard.pk}"

    MajorHazard.objects.filter(pk=hazard.pk).update(deadline=days(15))
    scan(django_capture_on_commit_callbacks)
    scan(django_capture_on_commit_callbacks)
    MajorHazard.objects.filter(pk=hazard.pk).update(deadline=days(-1))
    scan(django_capture_on_commit_callbacks)
    assert [m.params["level"] for m in deadline_sms()] == ["蓝色", "黄色", "红色"]
    assert {m.phone for m in deadline_sms()} == {"13800138000"}
    assert not SmsMessage.objects.filter(phone="13900000001", template__code=RULE).exists()
