import pytest

from domains.gov_services.exchange.frontdb import FrontDB
from integrations.department_sim import simulator


@pytest.fixture(autouse=True)
def frontdb_dir(settings, tmp_path):
    settings.GS_FRONTDB_DIR = str(tmp_path / "frontdb")
    created = []
    original = FrontDB.ensure

    def ensure(self):
        created.append(self.code)
        return original(self)

    FrontDB.ensure = ensure
    simulator.FAIL_NEXT.clear()
    simulator.INBOX.clear()
    yield
    FrontDB.ensure = original
    for code in created:  # PostgreSQL: drop the gs_front_<code> schemas; SQLite: the files
        FrontDB(code).drop()
