"""Models used only by the test suite to exercise the kernel engines."""
from django.db import models

from kernel.core.models import BusinessModel
from kernel.workflow.engine import State, StateTask, Transition, Workflow, WorkflowModel

EFFECTS = []  # (name, pk) of effects that ran, for the tests


def needs_amount(obj, user, params):
    return None if obj.amount > 0 else "金额必须大于0"


def record_effect(obj, log):
    EFFECTS.append((log.transition, obj.pk))


class Application(WorkflowModel, BusinessModel):
    title = models.CharField("标题", max_length=100)
    amount = models.IntegerField("金额", default=0)
    region = models.ForeignKey("org.Region", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("org.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    status = models.CharField("状态", max_length=20, default="draft")

    workflow = Workflow("application", states=[
        State("draft", "草稿"),
        State("submitted", "已提交", "info", task=StateTask(
            "审批申请：{obj}", role="app_approver", region=lambda o: o.region.parent, due_working_days=3,
            url=lambda o: f"/gov/testapp/{o.pk}/")), State("approved", "已批准", "success", final=True),
        State("rejected", "已退回", "warning"),
    ], transitions=[
        Transition("submit", "提交", ["draft", "rejected"], "submitted", guards=[needs_amount], effects=[record_effect]),
        Transition("approve", "批准", ["submitted"], "approved", perm="testapp.change_application",
                   not_by=("creator",), effects=[record_effect], style="success"),
        Transition("reject", "退回", ["submitted"], "rejected", perm="testapp.change_application",
                   requires=["comment"], style="warning"),
        Transition("director_approve", "局长审批", ["submitted"], "approved", roles=("director",)),
    ])

    def __str__(self):
        return self.title
