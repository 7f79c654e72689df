from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "kernel.workflow"
    label = "workflow"
    verbose_name = "流程引擎"

    def ready(self):
        from . import guard  # noqa: F401  (rejects plain saves that change a workflow state)
