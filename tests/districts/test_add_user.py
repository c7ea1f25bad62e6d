"""add_user: accounts from the command line, the password from standard input."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from districts.models import User

GOOD = "a-long-demo-passphrase"


def add(*args, password=GOOD) -> str:
    out = io.StringIO()
    call_command(
        "add_user", *args, "--password-stdin", stdin=io.StringIO(password + "\n"), stdout=out
    )
    return out.getvalue()


@pytest.mark.django_db
def test_it_creates_an_officer_of_a_district():
    out = add("somchai", "--role", "officer", "--area", "5607")
    user = User.objects.get(username="somchai")
    assert (user.role, user.district_id, user.province_id) == ("officer", "5607", "56")
    assert user.check_password(GOOD)
    assert not user.is_staff
    assert "somchai" in out and "แม่ใจ" in out


@pytest.mark.django_db
def test_it_creates_provincial_staff_and_administrators():
    add("phayao", "--role", "province", "--area", "56")
    add("root", "--role", "admin")
    assert User.objects.get(username="phayao").province_id == "56"
    root = User.objects.get(username="root")
    assert root.is_staff and root.is_superuser and root.is_portal_admin


@pytest.mark.django_db
@pytest.mark.parametrize(
    "args, password, message",
    [
        (["x", "--role", "officer"], GOOD, "--area"),
        (["x", "--role", "officer", "--area", "9999"], GOOD, "district code"),
        (["x", "--role", "province", "--area", "5607"], GOOD, "province code"),
        (["x", "--role", "officer", "--area", "5607"], "short", "short"),
        (["x", "--role", "officer", "--area", "5607"], "", "standard input"),
    ],
)
def test_it_refuses_bad_input_with_a_clear_message(args, password, message):
    with pytest.raises(CommandError, match=message):
        add(*args, password=password)
    assert not User.objects.filter(username="x").exists()


@pytest.mark.django_db
def test_it_refuses_an_existing_username(officer):
    with pytest.raises(CommandError, match="already exists"):
        add("officer", "--role", "officer", "--area", "5607")


@pytest.mark.django_db
def test_it_refuses_an_unknown_role():
    with pytest.raises(CommandError):
        add("x", "--role", "boss")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "args, limit",
    [
        (["ก" * 151, "--role", "admin"], "150"),
        (["x", "--role", "admin", "--email", "a" * 64 + "@" + "b" * 190 + ".example"], "254"),
    ],
)
def test_it_refuses_a_username_or_email_longer_than_its_field(args, limit):
    """The account was saved unchecked: PostgreSQL refused it with a traceback."""
    with pytest.raises(CommandError, match=limit):
        add(*args)
    assert not User.objects.exists()
