"""A big district's survey and report pages stay light (issue #19): the survey's list
comes a page at a time, with its filters, and a page is compressed on the wire."""

from __future__ import annotations

import gzip
import html
import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from districts.models import Subdistrict
from products.models import Entrepreneur, Product

pytestmark = pytest.mark.django_db

ROUND = "2564-2"
#: The largest district of the 200,000-product bench has 678 products.
ENTREPRENEURS, PRODUCTS_EACH = 340, 2
LIMIT = 60 * 1024


@pytest.fixture
def big_district(round_2564):
    """District 5607 with 340 entrepreneurs of two base products each (680 products)."""
    sub = Subdistrict.objects.filter(district_id="5607").first()
    people = Entrepreneur.objects.bulk_create(
        Entrepreneur(
            code=f"5607{n:05d}",
            name=f"กลุ่มวิสาหกิจชุมชนผลิตภัณฑ์บ้านทดสอบที่ {n}",
            type=1,
            subdistrict=sub,
            district_id="5607",
            phone="0812345678",
        )
        for n in range(1, ENTREPRENEURS + 1)
    )
    Product.objects.bulk_create(
        Product(
            entrepreneur=e,
            district_id="5607",
            code=f"{e.code}-{k:02d}",
            name=f"ผลิตภัณฑ์ผ้าทอมือลายโบราณ {e.code} แบบที่ {k}",
            type=3,
            registered_year=2560,
        )
        for e in people
        for k in range(1, PRODUCTS_EACH + 1)
    )
    return round_2564


def survey_url(**query) -> str:
    url = reverse("surveys:detail", kwargs={"round_code": ROUND, "code": "5607"})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def wire_size(client, url: str) -> int:
    response = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    body = response.content
    assert b"<html" in gzip.decompress(body)
    return len(body)


def test_it_lists_the_survey_a_page_at_a_time(client, officer, big_district):
    client.force_login(officer)
    page = client.get(survey_url()).content.decode()
    assert len(re.findall(r'<tr id="e-', page)) == 50
    assert "560700001" in page and "560700051" not in page
    assert "หน้า 1 จาก 7" in page

    second = client.get(survey_url(page=2)).content.decode()
    assert "560700051" in second and "560700001" not in second


def test_a_filter_keeps_its_query_across_pages(client, officer, big_district):
    client.force_login(officer)
    page = client.get(survey_url(q="บ้านทดสอบ")).content.decode()
    assert "พบ 340 ราย" in page
    assert "q=%E0%B8%9A" in page and "page=2" in page


def test_saving_an_answer_goes_back_to_the_entrepreneurs_page(client, officer, big_district):
    client.force_login(officer)
    url = reverse(
        "surveys:entrepreneur",
        kwargs={"round_code": ROUND, "code": "5607", "entrepreneur_code": "560700120"},
    )
    response = client.post(url, {"version": "0", "sales_prev_year": ""})
    assert response.status_code == 302
    assert response["Location"].endswith("?at=560700120#e-560700120")
    page = client.get(response["Location"]).content.decode()
    assert 'id="e-560700120"' in page and "หน้า 3 จาก" in page


@pytest.mark.parametrize("totals", [False, True], ids=["no totals", "totals kept"])
def test_an_entrepreneurs_form_links_back_to_the_page_that_lists_them(
    client, officer, big_district, totals
):
    """The back link names the entrepreneur, and the list opens at the page that lists
    them, in the list's order, whether or not the district's totals keep its base in the
    cache (issue #19)."""
    if totals:
        call_command("rebuild_totals", stdout=io.StringIO())
    client.force_login(officer)
    for code, page in (("560700001", 1), ("560700050", 1), ("560700051", 2), ("560700340", 7)):
        form = client.get(
            reverse(
                "surveys:entrepreneur",
                kwargs={"round_code": ROUND, "code": "5607", "entrepreneur_code": code},
            )
        ).content.decode()
        back = html.unescape(re.search(rf'href="([^"]*#e-{code})"', form).group(1))
        assert back.endswith(f"?at={code}#e-{code}")
        listed = client.get(back).content.decode()
        assert f'id="e-{code}"' in listed and f"หน้า {page} จาก" in listed
    # A code the list does not hold (an edited link) opens its first page.
    listed = client.get(survey_url(at="999999999")).content.decode()
    assert "หน้า 1 จาก" in listed and 'id="e-560700001"' in listed


def test_the_biggest_districts_pages_send_at_most_60_kb(client, officer, big_district):
    client.force_login(officer)
    report = reverse("reports:detail", args=[ROUND, "5607"])
    assert wire_size(client, survey_url()) <= LIMIT
    assert wire_size(client, report) <= LIMIT
