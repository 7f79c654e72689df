from django.apps import AppConfig


class TrainingConfig(AppConfig):
    """Training (issue 8 point 6): plans, sessions, attendance, materials, exams and results."""
    name = "domains.ops.training"
    label = "ops_training"
    verbose_name = "运维培训"
