from pathlib import Path

import pytest

from kernel.accounts.models import User
from kernel.core.testing import PASSWORD, make_enterprise, make_staff

VIEW = ["org.view_organisation"]
EDIT = ["org.view_organisation", "org.change_organisation"]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    """Every test stores its files in its own temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return Path(settings.MEDIA_ROOT)


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def org(db):
    """An enterprise in Qingxiu district, Nanning (450103): the owner record of most tests."""
    return make_enterprise("450103", name="南宁青秀测试有限公司")


@pytest.fixture
def lz_org(db):
    return make_enterprise("450200", name="柳州测试有限公司")


@pytest.fixture
def nn_editor(db):
    return make_staff("450100", EDIT)


@pytest.fixture
def nn_viewer(db):
    return make_staff("450100", VIEW)


@pytest.fixture
def lz_editor(db):
    return make_staff("450200", EDIT)


def make_enterprise_user(org):
    return User.objects.create_user(username=f"ent{org.pk}", password=PASSWORD, kind="enterprise",
                                    organisation=org, must_change_password=False)
