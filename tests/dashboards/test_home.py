"""Each role's home page: where `dashboards:home` sends a signed-in user."""

from __future__ import annotations

import pytest
from django.urls import reverse

from districts.scoping import Role
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def page(client, user, url):
    client.force_login(user)
    return client.get(url)


def test_each_role_lands_on_its_own_page(client, officer, province_staff, admin, round_2564):
    for user, name, args in (
        (officer, "dashboards:district", ["5607"]),
        (province_staff, "dashboards:province", ["56"]),
        (admin, "dashboards:country", []),
    ):
        client.force_login(user)
        response = client.get(reverse("dashboards:home"))
        assert response.status_code == 302
        assert response["Location"] == reverse(name, args=[round_2564.code, *args])


def test_home_without_a_round_says_how_to_create_one(client, officer):
    response = page(client, officer, reverse("dashboards:home"))
    assert response.status_code == 200
    assert "setup_round" in response.content.decode()


def test_a_user_without_an_area_stays_on_the_home_page(client, round_2564):
    user = make_user("nobody", Role.PROVINCE)
    response = page(client, user, reverse("dashboards:home"))
    assert response.status_code == 200
