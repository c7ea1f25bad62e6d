"""The one place that decides which district and province a page or a job may name."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from districts.selectors import get_district_for_user, get_province_for_user
from products.selectors import get_round_or_404
from tests.conftest import make_round


def test_it_gives_an_officer_their_own_district_with_its_province(
    officer, django_assert_num_queries
):
    with django_assert_num_queries(1):
        district = get_district_for_user(officer, "5607")
        assert district.province.code == "56"


@pytest.mark.parametrize("code", ["5604", "5001", "9999", ""])
def test_it_hides_any_other_district_from_an_officer(officer, code):
    with pytest.raises(Http404):
        get_district_for_user(officer, code)


def test_it_gives_provincial_staff_the_districts_of_their_province_only(province_staff):
    assert get_district_for_user(province_staff, "5604").code == "5604"
    with pytest.raises(Http404):
        get_district_for_user(province_staff, "5001")


def test_it_gives_an_administrator_any_district(admin):
    assert get_district_for_user(admin, "5001").code == "5001"


@pytest.mark.parametrize("user", [None, AnonymousUser()])
def test_it_hides_every_district_from_nobody(db, user):
    with pytest.raises(Http404):
        get_district_for_user(user, "5607")


def test_it_hides_a_district_from_a_deactivated_officer(officer):
    officer.is_active = False
    officer.save()
    with pytest.raises(Http404):
        get_district_for_user(officer, "5607")


def test_it_hides_even_their_own_province_from_an_officer(officer):
    with pytest.raises(Http404):
        get_province_for_user(officer, "56")


def test_it_gives_provincial_staff_their_own_province_only(province_staff):
    assert get_province_for_user(province_staff, "56").code == "56"
    with pytest.raises(Http404):
        get_province_for_user(province_staff, "50")


def test_it_gives_an_administrator_any_province(admin):
    assert get_province_for_user(admin, "50").code == "50"
    with pytest.raises(Http404):
        get_province_for_user(admin, "99")


@pytest.mark.parametrize("user", [None, AnonymousUser()])
def test_it_hides_every_province_from_nobody(db, user):
    with pytest.raises(Http404):
        get_province_for_user(user, "56")


def test_it_finds_a_round_by_its_code(db):
    make_round("2564-2")
    assert get_round_or_404("2564-2").code == "2564-2"


@pytest.mark.parametrize("code", ["2564-1", "2565-2", "x", ""])
def test_it_refuses_an_unknown_round_with_a_404(db, code):
    make_round("2564-2")
    with pytest.raises(Http404):
        get_round_or_404(code)
