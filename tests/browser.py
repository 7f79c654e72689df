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


def draw_signature(page, pad="#sign-pad"):
    """Draw a zigzag on the signature pad (ui/_signature_pad.html) as a finger would."""
    canvas = page.locator(pad)
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 40)
    page.mouse.down()
    for i in range(1, 12):
        page.mouse.move(box["x"] + 20 + i * 25, box["y"] + 40 + (i % 3) * 20)
    page.mouse.up()
