"""Pages are compressed on the wire (issue #19), with Django's BREACH mitigations in
place (README.md, "Compression")."""

from __future__ import annotations

import gzip
import re

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def report_page(client):
    return client.get(
        reverse("reports:detail", args=["2564-2", "5607"]), HTTP_ACCEPT_ENCODING="gzip"
    )


def test_it_compresses_a_page_for_a_browser_that_accepts_gzip(client, officer, round_2564):
    client.force_login(officer)
    response = report_page(client)
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert "แม่ใจ" in gzip.decompress(response.content).decode()

    plain = client.get(reverse("reports:detail", args=["2564-2", "5607"]))
    assert not plain.has_header("Content-Encoding")


def test_each_page_carries_a_differently_masked_csrf_token(client, officer, round_2564):
    client.force_login(officer)
    first = TOKEN.findall(gzip.decompress(report_page(client).content))
    second = TOKEN.findall(gzip.decompress(report_page(client).content))
    assert first and second
    assert first[0] != second[0]


def test_the_session_cookie_is_not_sent_by_another_sites_requests():
    assert settings.SESSION_COOKIE_SAMESITE in ("Lax", "Strict")
    assert settings.CSRF_COOKIE_SAMESITE in ("Lax", "Strict")


def test_it_sends_a_workbook_as_it_is_a_zip_file_already(client, officer, round_2564):
    client.force_login(officer)
    response = client.get(
        reverse("surveys:export", args=["2564-2", "5607"]), HTTP_ACCEPT_ENCODING="gzip"
    )
    assert response.status_code == 200
    assert not response.has_header("Content-Encoding")
    assert b"".join(response.streaming_content).startswith(b"PK")
