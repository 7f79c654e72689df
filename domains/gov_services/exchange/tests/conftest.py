import pytest

from integrations.department_sim import simulator


@pytest.fixture(autouse=True)
def simulator_state():
    """The simulator's in-process inbox and failure switch start empty (the front-end databases are isolated
    per test by the root conftest)."""
    simulator.FAIL_NEXT.clear()
    simulator.INBOX.clear()
    yield
