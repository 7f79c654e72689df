"""The set-based scanner: one warning per (rule, subject), level changes, automatic release."""
import pytest

from kernel.alerts import scanner
from kernel.alerts.models import AlertRule, Warning, WarningEvent
from kernel.org.models import Region
from kernel.todos.models import Todo
from kernel.workflow.engine import history
from tests.testapp.models import Application


def app(amount, region="450103", title=None):
    return Application.objects.create(title=title or f"申请{amount}", amount=amount, region=Region.objects.get(code=region))


def open_warnings(code="test_amount"):
    return Warning.objects.filter(rule__code=code, status__in=["generated", "reviewed", "assigned", "handled"])


@pytest.mark.django_db
class TestScan:
    def test_first_scan_raises_one_warning_per_matching_subject(self):
        a, b, c = app(150), app(700), app(5000)
        app(20)  # below every threshold
        stats = scanner.scan("test_amount")
        assert stats["matched"] == 3 and stats["raised"] == 3 and stats["released"] == 0
        levels = dict(open_warnings().values_list("subject_id", "level"))
        assert levels == {a.pk: "yellow", b.pk: "orange", c.pk: "red"}
        w = Warning.objects.get(subject_id=c.pk)
        assert w.region.code == "450103" and w.subject_repr == "申请5000" and w.value == "5000"
        assert w.status == "generated" and w.origin == "auto" and w.message == "申请金额过高"
        assert WarningEvent.objects.filter(kind="raised").count() == 3

    def test_boundaries_are_inclusive_thresholds(self):
        apps_ = {n: app(n) for n in (99, 100, 499, 500, 999, 1000)}
        scanner.scan("test_amount")
        levels = dict(open_warnings().values_list("subject_id", "level"))
        assert {n: levels.get(a.pk) for n, a in apps_.items()} == {
            99: None, 100: "yellow", 499: "yellow", 500: "orange", 999: "orange", 1000: "red"}

    def test_rescan_never_duplicates(self):
        app(150)
        app(700)
        scanner.scan("test_amount")
        stats = scanner.scan("test_amount")
        assert stats == {**stats, "raised": 0, "changed": 0, "released": 0}
        assert Warning.objects.count() == 2

    def test_worsening_case_changes_the_level(self):
        a = app(150)
        scanner.scan("test_amount")
        Application.objects.filter(pk=a.pk).update(amount=1200)
        stats = scanner.scan("test_amount")
        assert stats["changed"] == 1 and stats["raised"] == 0
        w = open_warnings().get()
        assert w.level == "red" and w.value == "1200" and w.level_changed_at is not None
        assert WarningEvent.objects.filter(warning=w, kind="level", from_level="yellow", to_level="red").exists()

    def test_improving_case_keeps_its_level_unless_the_rule_follows_both_ways(self):
        a = app(1200)
        scanner.scan("test_amount")
        scanner.scan("test_amount_both")
        Application.objects.filter(pk=a.pk).update(amount=150)
        scanner.scan("test_amount")
        scanner.scan("test_amount_both")
        assert open_warnings("test_amount").get().level == "red"
        assert open_warnings("test_amount_both").get().level == "yellow"

    def test_cleared_case_is_released_automatically_with_its_log_and_todo_closed(self):
        a, b = app(150), app(700)
        scanner.scan("test_amount")
        w = Warning.objects.get(subject_id=a.pk)
        assert Todo.objects.filter(object_id=str(w.pk), status="open").count() == 1
        Application.objects.filter(pk=a.pk).update(amount=10)
        stats = scanner.scan("test_amount")
        assert stats["released"] == 1
        w.refresh_from_db()
        assert w.status == "released" and w.release_type == "auto" and w.released_at is not None
        log = history(w).get()
        assert (log.transition, log.from_state, log.to_state, log.actor_name) == ("auto_release", "generated", "released", "系统")
        assert Todo.objects.get(object_id=str(w.pk)).status == "cancelled"
        assert Warning.objects.get(subject_id=b.pk).status == "generated"

    def test_a_case_that_comes_back_gets_a_new_warning(self):
        a = app(150)
        scanner.scan("test_amount")
        Application.objects.filter(pk=a.pk).update(amount=0)
        scanner.scan("test_amount")
        Application.objects.filter(pk=a.pk).update(amount=600)
        scanner.scan("test_amount")
        assert Warning.objects.filter(subject_id=a.pk).count() == 2
        assert open_warnings().get().level == "orange"

    def test_deleted_subjects_are_released(self):
        a = app(150)
        scanner.scan("test_amount")
        a.delete()  # soft
        assert scanner.scan("test_amount")["released"] == 1

    def test_threshold_edited_by_an_administrator_applies_on_next_scan(self):
        a = app(150)
        scanner.scan("test_amount")
        rule = AlertRule.objects.get(code="test_amount")
        rule.levels = [{"level": "yellow", "threshold": 200}, {"level": "orange", "threshold": 500},
                       {"level": "red", "threshold": 1000}]
        rule.save()
        assert scanner.scan("test_amount")["released"] == 1
        from kernel.audit.services import history_for

        change = history_for(rule).get(action="update")  # the threshold history
        assert change.before["levels"][0]["threshold"] == 100 and change.after["levels"][0]["threshold"] == 200
        assert not open_warnings().filter(subject_id=a.pk).exists()

    def test_reviewer_set_level_is_not_overwritten(self):
        from kernel.alerts import services
        from kernel.core.testing import make_staff

        a = app(150)
        scanner.scan("test_amount")
        w = open_warnings().get()
        reviewer = make_staff("450100", ["alerts.view_warning", "alerts.review_warning"])
        services.review(w, reviewer, level="red", comment="情况严重")
        Application.objects.filter(pk=a.pk).update(amount=600)
        scanner.scan("test_amount")
        w.refresh_from_db()
        assert w.level == "red" and w.level_set_by_reviewer and w.status == "reviewed"

    def test_disabled_rule_does_not_scan(self):
        app(150)
        scanner.scan("test_amount")
        AlertRule.objects.filter(code="test_amount").update(enabled=False)
        assert scanner.scan("test_amount") == {"skipped": "disabled"}

    def test_open_warning_is_unique_in_the_database(self):
        from django.db import IntegrityError, transaction

        a = app(150)
        scanner.scan("test_amount")
        w = Warning.objects.get()
        with pytest.raises(IntegrityError), transaction.atomic():
            Warning.objects.create(rule=w.rule, subject_type=w.subject_type, subject_id=a.pk, subject_repr="x",
                                   level="yellow", message="x")
