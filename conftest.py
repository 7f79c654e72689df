"""Test set-up shared by the whole suite.

Reference data (regions, dictionaries, standard roles) is loaded once into the test
database; every test then runs in a transaction that is rolled back.
"""
import os

os.environ.setdefault("ZW_DEV", "1")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from django.core.management import call_command

    with django_db_blocker.unblock():
        call_command("load_reference", verbosity=0, stdout=open(os.devnull, "w"))


def _clear_our_cache():
    from django.core.cache import cache

    if hasattr(cache, "delete_pattern"):  # django-redis: only this run's keys, never FLUSHDB
        cache.delete_pattern("*")
    else:
        cache.clear()


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["kernel.core.testing.FastArgon2PasswordHasher"]


@pytest.fixture(autouse=True)
def _isolated_front_databases(settings, tmp_path):
    """The department front-end databases of the one-window exchange live outside Django's test transaction
    (their own connection: SQLite files, PostgreSQL schemas), so each test gets its own directory and the
    schemas a test created are dropped after it (a demo seeded by one test must not show in the next)."""
    from domains.gov_services.exchange.frontdb import FrontDB

    settings.GS_FRONTDB_DIR = str(tmp_path / "frontdb")
    created, original = [], FrontDB.ensure

    def ensure(self):
        created.append(self.code)
        return original(self)

    FrontDB.ensure = ensure
    yield
    FrontDB.ensure = original
    for code in dict.fromkeys(created):
        FrontDB(code).drop()


@pytest.fixture(autouse=True)
def _clear_cache():
    _clear_our_cache()
    yield
    _clear_our_cache()


# Browser tests (see tests/browser.py): one Chromium for the whole run, shared by every test module.

@pytest.fixture(scope="session")
def browser():
    from pathlib import Path

    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM_ARGS, chromium_path

    path = chromium_path()
    if not Path(path).exists():
        pytest.fail(f"Chromium not found at {path}: install Debian's chromium (apt-get install chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def live(live_server, transactional_db):
    """A live server whose database has the reference data (transactional tests flush tables)."""
    from django.core.management import call_command

    call_command("load_reference", stdout=open(os.devnull, "w"))
    return live_server


@pytest.fixture
def shot():
    """Save a screenshot under test-artifacts/ for a person to look at."""
    from tests.browser import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name):
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    return take
