"""The admin of accounts and geography."""

from __future__ import annotations

import pytest
from django.urls import reverse

from districts.models import User


@pytest.mark.django_db
def test_an_administrator_adds_an_officer_in_the_admin(client, admin):
    client.force_login(admin)
    response = client.post(
        reverse("admin:districts_user_add"),
        {
            "username": "newofficer",
            "password1": "a-long-demo-passphrase",
            "password2": "a-long-demo-passphrase",
            "role": "officer",
            "district": "5607",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="newofficer")
    assert (user.role, user.district_id, user.province_id) == ("officer", "5607", "56")


@pytest.mark.django_db
def test_the_user_list_filters_by_province_and_district(
    client, admin, officer, outsider, other_province_staff
):
    client.force_login(admin)
    url = reverse("admin:districts_user_changelist")
    html = client.get(url, {"province": "56"}).content.decode()
    assert "officer" in html and "outsider" in html and "other_province" not in html
    html = client.get(url, {"province": "56", "district": "5604"}).content.decode()
    assert "outsider" in html and ">officer<" not in html


@pytest.mark.django_db
def test_the_user_form_shows_the_portal_role(client, admin, officer):
    client.force_login(admin)
    html = client.get(reverse("admin:districts_user_change", args=[officer.pk])).content.decode()
    assert 'name="role"' in html and 'name="district"' in html and 'name="province"' in html


@pytest.mark.django_db
def test_subdistricts_filter_by_province_and_district(client, admin):
    client.force_login(admin)
    url = reverse("admin:districts_subdistrict_changelist")
    html = client.get(url, {"province": "56", "district": "5607"}).content.decode()
    assert "ศรีถ้อย" in html and "แม่ใส" not in html
