"""The menu on every signed-in page: the page's round, read once, and the user's area
read with the user (issue #19)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import PASSWORD, make_round

pytestmark = pytest.mark.django_db


def test_it_links_the_pages_round_and_reads_it_once(client, officer):
    make_round("2564-2")
    older = make_round("2563-2")
    client.login(username=officer.username, password=PASSWORD)
    url = reverse("reports:detail", args=[older.code, "5607"])

    with CaptureQueriesContext(connection) as queries:
        page = client.get(url).content.decode()

    # The menu is the older round's, the page's own, and marks the page as current.
    assert f'<a href="{url}" aria-current="page">' in page
    assert reverse("surveys:detail", args=[older.code, "5607"]) in page
    rounds = [q for q in queries.captured_queries if 'FROM "products_round"' in q["sql"]]
    assert len(rounds) == 1, [q["sql"] for q in rounds]


def test_it_reads_the_users_district_with_the_user(client, officer):
    make_round("2564-2")
    client.login(username=officer.username, password=PASSWORD)

    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("jobs:list")).content.decode()

    assert f"· {officer.district.name_th}" in page
    users = [q["sql"] for q in queries.captured_queries if 'FROM "districts_user"' in q["sql"]]
    assert len(users) == 1 and 'JOIN "districts_district"' in users[0]
    districts = [
        q for q in queries.captured_queries if q["sql"].startswith('SELECT "districts_district"')
    ]
    assert not districts


def test_a_page_outside_any_round_links_the_current_round(client, province_staff):
    current = make_round("2564-2")
    client.login(username=province_staff.username, password=PASSWORD)
    page = client.get(reverse("jobs:list")).content.decode()
    assert reverse("dashboards:province", args=[current.code, "56"]) in page


def test_it_makes_the_menu_once_for_a_round_an_area_and_a_language(client, officer, settings):
    from unittest import mock

    from dashboards import navigation

    make_round("2564-2")
    navigation._menu_links.cache_clear()
    client.login(username=officer.username, password=PASSWORD)
    url = reverse("dashboards:district", args=["2564-2", "5607"])
    with mock.patch.object(
        navigation, "_reverse_first", wraps=navigation._reverse_first
    ) as reversed_urls:
        first = client.get(url).content.decode()
        made = reversed_urls.call_count
        again = client.get(reverse("surveys:detail", args=["2564-2", "5607"])).content.decode()
        assert reversed_urls.call_count == made == 4
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        english = client.get(url).content.decode()
        assert reversed_urls.call_count == made + 4

    # Each page marks its own link, in its own language.
    assert f'<a href="{url}" aria-current="page">ภาพรวมอำเภอ</a>' in first
    assert f'<a href="{url}">ภาพรวมอำเภอ</a>' in again
    assert f'<a href="{url}" aria-current="page">District overview</a>' in english
