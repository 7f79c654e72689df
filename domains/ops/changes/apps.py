from django.apps import AppConfig


class ChangesConfig(AppConfig):
    """Problem and change management (issue 8 point 3): problems linked to repeated faults, changes with plan, approval, window and rollback, and notices published after approval to a chosen readership."""
    name = "domains.ops.changes"
    label = "ops_changes"
    verbose_name = "问题与变更"
