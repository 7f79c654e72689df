"""Operation codes longer than the column are refused on every database (SQLite would store them)."""
import pytest

from kernel.audit.models import ACTION_MAX, OperationLog
from kernel.audit.services import log_operation

pytestmark = pytest.mark.django_db


def test_long_operation_code_refused_and_the_longest_allowed_stored():
    with pytest.raises(ValueError):
        log_operation("x" * (ACTION_MAX + 1))
    log_operation("y" * ACTION_MAX)
    assert OperationLog.objects.get().action == "y" * ACTION_MAX
