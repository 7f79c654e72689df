"""The guarantee expiry reminder (jobs.py, seed §A3 (3)): an SMS to the enterprise contact exactly once, one
calendar month before the guarantee expires, recorded in the reminder library; again after a renewal."""
import datetime
import threading

import pytest
from django.core.management import call_command
from django.db import connection

from domains.labor.monitoring import jobs
from domains.labor.monitoring.models import GuaranteeReminder, Project
from kernel.notify.models import SmsMessage

from .factories import enterprise, make_guarantee, make_project, make_reminder

pytestmark = pytest.mark.django_db
D = datetime.date.fromisoformat


def sms_for(guarantee):
    return SmsMessage.objects.filter(related=f"labor_monitoring.guarantee:{guarantee.pk}")


def run(day, capture):
    with capture(execute=False):  # queued in the outbox; delivery is the kernel's (tested there)
        return jobs.guarantee_reminders(D(day))


@pytest.mark.parametrize("valid_until, reminder_day", [
    ("2026-04-30", "2026-03-30"),
    ("2027-03-31", "2027-02-28"),  # a calendar month back from the 31st: the end of February
    ("2028-03-31", "2028-02-29"),
    ("2026-01-15", "2025-12-15"),
])
def test_reminder_day_is_one_calendar_month_before_expiry(valid_until, reminder_day):
    assert jobs.remind_on(D(valid_until)) == D(reminder_day)


def test_sms_exactly_once_at_one_month(django_capture_on_commit_callbacks):
    g = make_guarantee(valid_from=D("2025-05-01"), valid_until=D("2026-04-30"), contact_phone="13877100031")
    assert run("2026-03-29", django_capture_on_commit_callbacks) == {"reminded": 0, "sms": 0, "no_phone": 0}
    assert not GuaranteeReminder.objects.exists() and not sms_for(g).exists()
    assert run("2026-03-30", django_capture_on_commit_callbacks) == {"reminded": 1, "sms": 1, "no_phone": 0}
    assert run("2026-03-30", django_capture_on_commit_callbacks)["reminded"] == 0  # run twice the same day
    assert run("2026-03-31", django_capture_on_commit_callbacks)["reminded"] == 0  # and the day after
    reminder = GuaranteeReminder.objects.get()
    sms = sms_for(g).get()
    assert (reminder.guarantee, reminder.valid_until, reminder.phone, reminder.sms) == (g, D("2026-04-30"),
                                                                                         "13877100031", sms)
    assert sms.phone == "13877100031" and sms.template.code == "labor_guarantee_expiring"
    assert sms.content == (f"【广西政务】{g.enterprise.name}：贵单位保险保函（编号{g.guarantee_no}）将于2026年04月30日到期，"
                           "请及时续保或足额存储工资保证金。")
    assert sms.region == g.region


def test_renewed_guarantee_is_reminded_again(django_capture_on_commit_callbacks):
    g = make_guarantee(valid_from=D("2025-05-01"), valid_until=D("2026-04-30"))
    run("2026-03-30", django_capture_on_commit_callbacks)
    g.valid_until = D("2027-04-30")  # renewed by the insurer (pushed again with a new expiry)
    g.save()
    assert run("2026-04-15", django_capture_on_commit_callbacks)["reminded"] == 0
    assert run("2027-03-30", django_capture_on_commit_callbacks)["reminded"] == 1
    assert list(GuaranteeReminder.objects.order_by("valid_until").values_list("valid_until", flat=True)) == [
        D("2026-04-30"), D("2027-04-30")]
    assert sms_for(g).count() == 2


def test_a_missed_day_is_caught_up_but_not_an_expired_guarantee(django_capture_on_commit_callbacks):
    missed = make_guarantee(valid_until=D("2026-04-30"))
    expired = make_guarantee(valid_until=D("2026-04-09"))
    assert run("2026-04-10", django_capture_on_commit_callbacks) == {"reminded": 1, "sms": 1, "no_phone": 0}
    assert GuaranteeReminder.objects.get().guarantee == missed
    assert not sms_for(expired).exists()


def test_superseded_guarantees_and_completed_projects_are_not_reminded(django_capture_on_commit_callbacks):
    project = make_project()
    old = make_guarantee(project=project, valid_until=D("2026-04-30"))
    make_guarantee(project=project, enterprise_=old.enterprise, valid_from=D("2026-04-30"),
                   valid_until=D("2027-04-30"))  # the successor is already there
    done = make_guarantee(project=make_project(), valid_until=D("2026-04-30"))
    Project.objects.filter(pk=done.project_id).update(status="completed")
    other_unit = make_guarantee(enterprise_=enterprise(), project=project, valid_until=D("2026-04-30"))
    run("2026-03-30", django_capture_on_commit_callbacks)
    assert list(GuaranteeReminder.objects.values_list("guarantee", flat=True)) == [other_unit.pk]


def test_without_a_mobile_number_the_library_says_so(django_capture_on_commit_callbacks):
    g = make_guarantee(valid_until=D("2026-04-30"), contact_phone="0771-5881234")
    assert run("2026-03-30", django_capture_on_commit_callbacks) == {"reminded": 1, "sms": 0, "no_phone": 1}
    reminder = GuaranteeReminder.objects.get()
    assert reminder.sms is None and reminder.note.startswith("未发送短信：手机号码格式错误")
    assert not sms_for(g).exists()
    assert run("2026-03-31", django_capture_on_commit_callbacks)["reminded"] == 0  # not retried every day


def test_a_reminder_already_written_by_another_run_is_not_sent_again(django_capture_on_commit_callbacks):
    g = make_guarantee(valid_until=D("2026-04-30"))
    make_reminder(g)  # another worker got there first (the unique row is written before the SMS)
    with django_capture_on_commit_callbacks(execute=False):
        assert jobs.remind(g, D("2026-03-30")) is None
    assert GuaranteeReminder.objects.count() == 1 and not sms_for(g).exists()


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="concurrent writers need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_send_one_sms():
    from django.core.management import call_command as cc

    cc("load_reference", verbosity=0, stdout=open("/dev/null", "w"))
    g = make_guarantee(valid_until=D("2026-04-30"))
    barrier, results = threading.Barrier(2), []

    def worker():
        try:
            barrier.wait()
            results.append(jobs.guarantee_reminders(D("2026-03-30"))["reminded"])
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [0, 1]
    assert GuaranteeReminder.objects.filter(guarantee=g).count() == 1 and sms_for(g).count() == 1


def test_the_job_runs_from_the_command_and_the_task(django_capture_on_commit_callbacks, capsys):
    from django.utils import timezone

    from domains.labor.monitoring.tasks import guarantee_reminders

    today = timezone.localdate()
    first = make_guarantee(valid_until=today + datetime.timedelta(days=20))  # inside the month before expiry
    with django_capture_on_commit_callbacks(execute=False):
        call_command("labor_scan", "--reminders", "--no-scan")
    assert "保函到期提醒：1条（短信1条" in capsys.readouterr().out
    assert GuaranteeReminder.objects.get().guarantee == first
    make_guarantee(valid_until=today + datetime.timedelta(days=10))
    with django_capture_on_commit_callbacks(execute=False):
        assert guarantee_reminders() == {"reminded": 1, "sms": 1, "no_phone": 0}
