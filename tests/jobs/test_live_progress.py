"""A job's page in a real browser: the progress bar follows the job without a reload,
under the portal's strict Content-Security-Policy, and the result appears when it ends.

Headless Chromium through Playwright, as in tests/browser; skipped where there is no
browser, except in CI (CI=true), where a missing browser fails the test.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone

from jobs.models import Job, JobKind, JobStatus

pytestmark = [
    pytest.mark.browser,
    # The live server reads what the test commits; the geography, loaded by a migration,
    # is restored after the flush that ends a transactional test.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
TIMEOUT_MS = 15_000


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
        pytest.fail(f"{reason} (CI=true: browser tests must run in CI)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def chromium_page(live_server, officer, settings, tmp_path):
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        _unavailable("Playwright for Python is not installed")
    if not CHROMIUM.exists():
        _unavailable(f"Chromium not found at {CHROMIUM}")
    settings.MEDIA_ROOT = tmp_path / "media"
    expect.set_options(timeout=TIMEOUT_MS)
    client = Client()
    client.force_login(officer)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value

    # Playwright's sync API runs an event loop in this thread; the test's ORM calls are
    # synchronous, so Django's guard against a running loop is a false alarm here.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        context = browser.new_context(base_url=live_server.url, locale="th-TH")
        context.set_default_timeout(TIMEOUT_MS)
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
        )
        page = context.new_page()
        page.problems = []
        page.on(
            "console",
            lambda m: "Content Security Policy" in m.text and page.problems.append(m.text),
        )
        page.on("pageerror", lambda exc: page.problems.append(str(exc)))
        yield page
        browser.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def test_the_progress_bar_follows_the_job_then_the_file_is_offered(chromium_page, officer):
    from playwright.sync_api import expect

    page = chromium_page
    job = Job.objects.create(
        user=officer,
        kind=JobKind.SURVEY_EXPORT,
        status=JobStatus.RUNNING,
        done=20,
        total=200,
        stage="กำลังเขียนไฟล์ Excel",
        started_at=timezone.now(),
        heartbeat_at=timezone.now(),
        label="อำเภอแม่ใจ รอบ 2564-2",
    )
    page.goto(f"/jobs/{job.pk}/")
    bar = page.get_by_role("progressbar", name="ความคืบหน้า")
    expect(bar).to_have_attribute("value", "20")

    # The worker moves on; the page follows without being reloaded.
    page.evaluate("window.notReloaded = true")
    Job.objects.filter(pk=job.pk).update(done=150, heartbeat_at=timezone.now())
    expect(page.get_by_text("ทำแล้ว 150 จาก 200 แถว (75 %)")).to_be_visible()
    assert page.evaluate("window.notReloaded") is True
    assert bar.evaluate("el => el.value") == 150

    # The job ends: the page shows the result with the file to download.
    job.output_file.save("survey-2564-2-5607.xlsx", ContentFile(b"PK workbook"), save=False)
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.SUCCEEDED,
        done=200,
        result={"rows": 200},
        output_file=job.output_file.name,
        output_name="survey-2564-2-5607.xlsx",
        finished_at=timezone.now(),
    )
    expect(page.get_by_role("link", name="ดาวน์โหลด survey-2564-2-5607.xlsx")).to_be_visible()
    expect(page.get_by_role("progressbar")).to_have_count(0)
    assert page.problems == []
