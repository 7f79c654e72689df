"""An inspection run through the workflow engine.

A run is created in `filling` (待填写) once its probes have been stored: the engineer fills in the manual
items (CPU on the database console, archive logs, service logs, visits) on the run's page and completes it
with an overall conclusion. A run whose checklist has no manual item is completed by the system at once."""
from django.utils import timezone

from kernel.workflow.engine import State, StateTask, Transition, Workflow

PERFORM = "ops_inspections.perform_inspectionrun"


def _url(run):
    return f"/gov/ops/inspections/runs/{run.pk}/"


def _all_manual_filled(run, user, params):
    pending = run.results.filter(outcome="pending").count()
    return f"还有{pending}项人工检查未填写" if pending else None


def _stamp_completed(run, user, params):
    run.completed_at = timezone.now()
    run.inspector = user if user is not None else run.inspector
    conclusion = (params.get("data") or {}).get("conclusion") or ""
    run.conclusion = conclusion.strip() or run.auto_conclusion()


RUN = Workflow("ops_inspection_run", states=[
    State("filling", "待填写", "warning", task=StateTask(
        "填写巡检结果：{obj}", role="ops_engineer", region=lambda r: r.system.agency.region, url=_url,
        due_working_days=1)),
    State("completed", "已完成", "success", final=True),
], transitions=[
    Transition("complete", "完成巡检", ["filling"], "completed", perm=PERFORM, guards=[_all_manual_filled],
               prepare=[_stamp_completed], style="success"),
])
