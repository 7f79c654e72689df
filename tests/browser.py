"""Helpers for browser tests: real headless Chromium (Debian's /usr/bin/chromium) driven by
Playwright against a live server on the test database.

The fixtures (`browser`, `live`, `shot`) live in the root conftest.py so that the whole run shares
one Playwright instance: Playwright's sync API allows one per thread, and a second session-wide
instance (a fixture imported into a test module is a fixture of its own) fails to start."""
import os
import shutil
from pathlib import Path

CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def chromium_path():
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


def login(page, base_url, username, password, entrance="gov"):
    page.goto(f"{base_url}/{entrance}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("domcontentloaded")
