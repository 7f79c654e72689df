"""The demo data covers every state for every demo role, and a second seed adds nothing."""
import datetime
import io

import pytest
from django.core.management import call_command
from django.db.models import Count, F
from django.utils import timezone

from domains.special_equipment.equipment.models import Equipment, InspectionReport
from domains.special_equipment.hazards.models import CheckPlan, Complaint, GeneralHazard, MajorHazard
from kernel.accounts.models import User
from kernel.alerts.models import Warning
from kernel.notify.models import SmsMessage

pytestmark = pytest.mark.django_db(transaction=True)  # SMS are sent after commit, as in a real seed


def _statuses(qs):
    return dict(qs.values_list("status").annotate(n=Count("pk")).order_by())


def _totals():
    return (MajorHazard.all_objects.count(), GeneralHazard.all_objects.count(), Complaint.all_objects.count(),
            CheckPlan.all_objects.count(), Warning.objects.count(), SmsMessage.objects.count(),
            Equipment.all_objects.count())


def test_demo_covers_every_state_and_reseeding_adds_nothing():
    call_command("seed_demo", stdout=io.StringIO())
    unit = User.objects.get(username="ent_demo").organisation
    scripted = MajorHazard.objects.filter(user_unit=unit, no__startswith="YH2")
    assert _statuses(scripted) == {"reported": 1, "rectifying": 3, "extension": 1, "feedback": 1, "closed": 1,
                                   "revoked": 1}
    # each hazard hangs on the unit's device of its own category
    assert not scripted.exclude(equipment__category=F("equipment_category")).exists()
    assert {"1000", "2000", "3000", "4000"} <= set(scripted.values_list("equipment__category", flat=True))
    returned = scripted.get(items__status="returned")
    item = returned.items.get(status="returned")
    assert returned.status == "rectifying" and len(item.history) == 1 and item.history[0]["review"]
    # the scripted deadlines land in every colour
    assert set(Warning.objects.filter(organisation=unit, subject_id__in=scripted.values("pk"))
               .values_list("level", flat=True)) == {"blue", "yellow", "orange", "red"}
    assert _statuses(GeneralHazard.objects.filter(unit=unit)) == {"rectifying": 2, "accepting": 1, "accepted": 1}
    assert GeneralHazard.objects.filter(unit=unit, status="rectifying").exclude(acceptance_opinion="").count() == 1
    assert set(CheckPlan.objects.filter(hazards__isnull=False).values_list("period", flat=True)) == {"annual",
                                                                                                   "quarterly"}
    assert _statuses(Complaint.objects.all()) == {"submitted": 1, "verifying": 1, "done": 1, "rejected": 1}
    sms = dict(SmsMessage.objects.values_list("template__code").annotate(n=Count("pk")).order_by())
    assert sms["se_complaint_result"] == 2 and sms["se_hazard_deadline"] >= 4
    assert sms["se_hazard_extension"] == 1 and sms["se_hazard_returned"] == 1 and sms["se_hazard_closed"] == 1
    # 销号 rules hold for the bulk-loaded hazards too
    closed = MajorHazard.all_objects.filter(status="closed")
    assert closed.count() > 10
    assert not closed.exclude(logs__kind="review").exists() and not closed.exclude(logs__kind="supervision").exists()

    # the scenario's SMS are history (sent two days ago): they leave today's per-phone limits free
    assert not SmsMessage.objects.filter(status="pending").exists()
    assert not SmsMessage.objects.filter(sent_at__gte=timezone.now() - datetime.timedelta(days=1)).exists()
    # inst_demo has a non-conforming report without a hazard to report (the README's first step)
    from domains.special_equipment.equipment.services import unreported_negative

    inspector = User.objects.get(username="inst_demo")
    pending = unreported_negative(InspectionReport.objects.filter(agency=inspector.organisation))
    assert pending.count() == 1 and pending.get().equipment.user_unit == unit
    # an institution reports in its own city only
    city = inspector.organisation.region.parent
    assert not MajorHazard.all_objects.filter(reporter_org=inspector.organisation).exclude(
        region__path__startswith=city.path).exists()

    before = _totals()
    call_command("seed_demo", stdout=io.StringIO())
    assert _totals() == before

