"""Browser tests: Debian's Chromium, headless, driven by Playwright against the live server.

Every test here is marked `browser` and runs against pytest-django's `live_server`,
which gives each xdist worker its own port. Each test saves a screenshot of each of its
pages to var/screenshots/<test name>.png when it ends, failed or not; CI keeps the folder.

A missing browser skips these tests on a developer's machine, with the reason. In CI
(CI=true) it fails the run: a suite that silently skipped its browser tests would pass
without having tested anything a user sees.

Pages run under the portal's real Content-Security-Policy (no inline script or style);
a violation reported in a page's console fails the test. Only the accessibility check
opens a context with `bypass_csp`, to inject axe-core.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
from pathlib import Path

import pytest

from tests.conftest import make_round

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
# Long enough for a registry-sized page on a slow CI machine; a real hang still fails.
TIMEOUT_MS = 15_000


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _unavailable(reason: str) -> None:
    """Fail in CI, skip elsewhere."""
    if _in_ci():
        pytest.fail(f"{reason} (CI=true: browser tests must run in CI)", pytrace=False)
    pytest.skip(reason)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    # Keep each phase's report on the item, so the page fixture knows if the test failed.
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@contextlib.contextmanager
def _same_connections():
    """Keep this thread's database connection objects through a change that makes
    Django look for them elsewhere (see _Chromium)."""
    from django.db import connections

    kept = {alias: connections[alias] for alias in connections}
    yield
    for alias, connection in kept.items():
        connections[alias] = connection


class _Chromium:
    """The worker's headless Chromium, launched once for a run of browser tests.

    Playwright's sync API keeps an asyncio loop running in the main thread while it is
    started, which changes two things for Django in this thread:

    - Django refuses ORM calls when it sees a running loop. The tests are synchronous
      code, so that guard is a false alarm while the browser is up, and it is turned
      off (DJANGO_ALLOW_ASYNC_UNSAFE) for exactly that time.
    - Django keeps a thread's database connections in an asgiref Local that stores
      them elsewhere while a loop runs, so the ORM would open a second connection
      object, one without the serialized copy of the database that
      `serialized_rollback` restores after each transactional test (the geography
      would be lost from the second test on). The connection objects are carried
      across when the browser starts and when it stops.

    A session-scoped fixture would keep all this until the worker ends, into the other
    apps' tests (and the subprocesses they start), so the browser is stopped as soon as
    the next test does not use it (pytest_runtest_teardown below), and started again if
    a later one does.
    """

    def __init__(self):
        self.playwright = None
        self.browser = None
        self.previous_env = None

    def get(self):
        if self.browser is None:
            self._start()
        return self.browser

    def _start(self) -> None:
        try:
            from playwright.sync_api import expect, sync_playwright
        except ImportError:
            _unavailable("Playwright for Python is not installed (pip install -e '.[dev]')")
        if not CHROMIUM.exists():
            _unavailable(
                f"Chromium not found at {CHROMIUM}: apt-get install chromium chromium-driver"
            )
        expect.set_options(timeout=TIMEOUT_MS)
        self.previous_env = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
        with _same_connections():
            self.playwright = sync_playwright().start()
        try:
            self.browser = self.playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=LAUNCH_ARGS
            )
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        if self.browser is not None:
            self.browser.close()
            self.browser = None
        if self.playwright is not None:
            with _same_connections():
                self.playwright.stop()
            self.playwright = None
            if self.previous_env is None:
                os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
            else:
                os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = self.previous_env


_chromium = _Chromium()


@pytest.fixture
def browser():
    """The worker's headless Chromium (see _Chromium)."""
    return _chromium.get()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    try:
        return (yield)
    finally:
        if nextitem is None or "browser" not in getattr(nextitem, "fixturenames", ()):
            _chromium.stop()


def pytest_sessionfinish(session):
    _chromium.stop()


@pytest.fixture(autouse=True)
def _thai(settings):
    """The test's own code (the imports it runs, the names it resolves) speaks the
    default language, whatever an earlier test in this worker left active."""
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        yield


def _screenshot_name(nodename: str, index: int) -> str:
    name = re.sub(r"[^\w.-]+", "-", nodename).strip("-")
    return f"{name}.png" if index == 0 else f"{name}-{index + 1}.png"


class PageWatch:
    """What a page reported that a user would not see: CSP violations, uncaught errors
    and the confirm() dialogs it showed (all accepted, as a user pressing OK)."""

    def __init__(self, page):
        self.csp: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.on("dialog", self._dialog)

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.csp.append(message.text)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.accept()


@pytest.fixture
def new_page(browser, live_server, request, settings, tmp_path):
    """Make a page in a fresh browser context (its own cookies): Thai, Bangkok time,
    desktop size unless told. `user` logs the page in without the login form (a session
    made on the server); `bypass_csp` is for the accessibility check only.

    At the end of the test every page is screenshotted, and a CSP violation or an
    uncaught script error on any page fails the test.
    """
    from django.conf import settings as django_settings
    from django.test import Client

    # Uploaded files go to the test's own folder (the server thread shares settings).
    settings.MEDIA_ROOT = tmp_path / "media"
    made = []

    def make(*, viewport: dict | None = None, user=None, bypass_csp: bool = False, **options):
        context = browser.new_context(
            base_url=live_server.url,
            locale="th-TH",
            timezone_id="Asia/Bangkok",
            viewport=viewport or DESKTOP,
            bypass_csp=bypass_csp,
            **options,
        )
        context.set_default_timeout(TIMEOUT_MS)
        if user is not None:
            client = Client()
            client.force_login(user)
            session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
            context.add_cookies(
                [
                    {
                        "name": django_settings.SESSION_COOKIE_NAME,
                        "value": session,
                        "url": live_server.url,
                    }
                ]
            )
        page = context.new_page()
        page.watch = PageWatch(page)
        made.append((page, bypass_csp))
        return page

    yield make

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for index, (page, _bypass) in enumerate(made):
        try:
            page.screenshot(
                path=SCREENSHOTS / _screenshot_name(request.node.name, index), full_page=True
            )
        except Exception as exc:  # a crashed page must not hide the test's own failure
            print(f"screenshot failed: {exc}")
    problems = []
    for page, bypass in made:
        if not bypass:
            problems += [f"CSP violation on {page.url}: {m}" for m in page.watch.csp]
        problems += [f"script error on {page.url}: {m}" for m in page.watch.errors]
        page.context.close()
    call = getattr(request.node, "rep_call", None)
    if problems and call is not None and call.passed:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture
def page(new_page):
    """A desktop-sized page, logged out."""
    return new_page()


@pytest.fixture
def phayao(samples):
    """Round 2564-2 with Phayao's sample registry (as of 1 April 2564) and official
    targets, imported through the portal's own services."""
    from products.services.registry import registry_import_file
    from products.services.targets import targets_import

    round = make_round()
    registry_import_file(
        file=samples / "registry.xlsx", as_of=dt.date(2021, 4, 1), name="registry.xlsx"
    )
    with open(samples / "targets_official.xlsx", "rb") as fh:
        targets_import(round=round, file=fh, name="targets_official.xlsx")
    round.refresh_from_db()
    return round
