"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

No browser is downloaded: the tests launch ``/usr/bin/chromium`` (``make test`` installs it when
it is missing). Without it they fail with a message saying so, instead of silently skipping.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread, and Django refuses database
# access from a thread with a running loop. The tests only touch the database between
# browser steps, never concurrently with them.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
#: Playwright waits at most this long (ms) for a page or an element.
TIMEOUT_MS = 15_000


# Package scope: Playwright's event loop stops once the browser tests are done, so the rest of
# the suite runs without one.
@pytest.fixture(scope="package")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(
            f"The browser tests need Chromium at {CHROMIUM}, and it is missing. Install it with "
            "`apt-get install chromium` (`make test` does this itself when run as root).",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def live_server(request):
    """pytest-django's live server, started while MEDIA_URL is a string.

    Django's test server wraps the site in a media-file handler that calls
    ``urlparse(settings.MEDIA_URL)``; our settings leave MEDIA_URL unset (``None``: uploads are
    only served by permission-checked views), which breaks every request. While the server
    starts, MEDIA_URL points at a prefix nothing links to; it is restored straight after.
    """
    from django.conf import settings
    from pytest_django.live_server_helper import LiveServer

    addr = (
        request.config.getvalue("liveserver")
        or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS")
        or "localhost"
    )
    media_url = settings.MEDIA_URL
    if not isinstance(media_url, str):
        settings.MEDIA_URL = "/test-server-serves-no-media/"
    try:
        server = LiveServer(addr)
    finally:
        settings.MEDIA_URL = media_url
    yield server
    server.stop()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def page_without_js(browser, live_server):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()
