"""Error pages are the portal's own, in Thai and in its layout, with the reason where
there is one; signed-in pages and downloads are never kept in a shared cache; one menu
for a role on every page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.conftest import make_round

LAYOUT = "OTOP ตลาดออนไลน์"  # the header of every page of the portal


@pytest.fixture
def open_round(db):
    ahead = timezone.localdate() + dt.timedelta(days=60)
    return make_round(survey_deadline=ahead, report_deadline=ahead)


@pytest.fixture
def failing(settings):
    settings.ROOT_URLCONF = "tests.otop_portal.error_urls"
    settings.DEBUG = False


def _page(response) -> str:
    page = response.content.decode()
    assert LAYOUT in page and '<html lang="th">' in page
    assert "Forbidden" not in page and "Not Found" not in page and "Server Error" not in page
    return page


def test_it_shows_the_thai_reason_of_a_refusal(failing, client, officer):
    client.force_login(officer)
    response = client.get("/test-errors/forbidden/")
    assert response.status_code == 403
    page = _page(response)
    assert "ไม่มีสิทธิ์เข้าถึง" in page and "เหตุผลภาษาไทยของการปฏิเสธ" in page


def test_it_shows_a_thai_page_for_a_page_out_of_scope(client, outsider, open_round):
    client.force_login(outsider)
    response = client.get(reverse("reports:detail", args=["2564-2", "5607"]))
    assert response.status_code == 404
    page = _page(response)
    assert "ไม่พบหน้านี้" in page and "นอกพื้นที่ที่ท่านดูแล" in page
    assert "matches the given query" not in page


def test_it_shows_a_thai_page_for_an_unknown_address(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "ไม่พบหน้าที่ต้องการ" in _page(response)


def test_it_shows_a_thai_page_for_a_bad_request(failing, client):
    response = client.get("/test-errors/suspicious/")
    assert response.status_code == 400
    assert "คำขอไม่ถูกต้อง" in _page(response)


def test_it_shows_a_thai_page_for_a_server_error(failing, officer):
    client = Client(raise_request_exception=False)
    client.force_login(officer)
    response = client.get("/test-errors/crash/")
    assert response.status_code == 500
    page = _page(response)
    assert "ระบบขัดข้อง" in page and "a bug" not in page and "Traceback" not in page


def test_it_asks_to_try_again_when_the_database_is_locked(failing, officer):
    client = Client(raise_request_exception=False)
    client.force_login(officer)
    response = client.get("/test-errors/locked/")
    assert response.status_code == 503 and response["Retry-After"]
    assert "กรุณารอสักครู่แล้วกดบันทึกอีกครั้ง" in _page(response)


def test_it_shows_a_thai_page_when_a_form_comes_without_its_token(officer, open_round):
    client = Client(enforce_csrf_checks=True)
    client.force_login(officer)
    response = client.post(reverse("surveys:submit", args=["2564-2", "5607"]))
    assert response.status_code == 403
    page = _page(response)
    assert "ส่งแบบฟอร์มไม่สำเร็จ" in page and "CSRF" not in page


def test_it_shows_the_error_pages_in_english_when_chosen(failing, client, officer):
    client.force_login(officer)
    client.cookies["django_language"] = "en"
    response = client.get("/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404 and "Page not found" in page


def test_it_keeps_signed_in_pages_out_of_shared_caches(client, officer, open_round):
    client.force_login(officer)
    response = client.get(reverse("reports:detail", args=["2564-2", "5607"]))
    assert response.status_code == 200
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]


def test_it_keeps_downloads_out_of_shared_caches(client, officer, open_round):
    client.force_login(officer)
    response = client.get(reverse("surveys:export", args=["2564-2", "5607"]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]


def test_it_gives_province_staff_their_menu_on_every_page(client, province_staff, open_round):
    client.force_login(province_staff)
    targets = reverse("products:targets", args=["2564-2", "56"])
    review = reverse("dashboards:review", args=["2564-2", "56"])
    for url in (
        reverse("dashboards:province", args=["2564-2", "56"]),
        reverse("reports:detail", args=["2564-2", "5607"]),
        reverse("jobs:list"),
        targets,
    ):
        page = client.get(url).content.decode()
        nav = page[page.index("<nav") : page.index("</nav>")]
        assert f'href="{targets}"' in nav and f'href="{review}"' in nav, url
        assert "ตรวจแบบ" in nav and "แผนส่งเสริม" in nav
    assert f'href="{targets}" aria-current="page"' in page


def test_it_gives_an_officer_the_district_menu(client, officer, open_round):
    client.force_login(officer)
    page = client.get(reverse("jobs:list")).content.decode()
    nav = page[page.index("<nav") : page.index("</nav>")]
    assert f'href="{reverse("reports:detail", args=["2564-2", "5607"])}"' in nav
    assert f'href="{reverse("surveys:detail", args=["2564-2", "5607"])}"' in nav
    assert "ตรวจแบบ" not in nav and "/provinces/" not in nav
