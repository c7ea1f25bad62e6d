"""The shared cast of the test suite and a few builders.

Users (STYLE.md): `officer` and `colleague` of district 5607 (แม่ใจ), `outsider` of
district 5604 (เชียงม่วน), `province_staff` of Phayao (56), `other_province_staff` of
Chiang Rai (57 is Chiang Rai; 50 is Chiang Mai: we use 50 as the brief says), `admin`.
The geography is loaded by the districts migrations, so every test database has it.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from pathlib import Path

import pytest

from districts.models import District, User
from districts.scoping import Role

# The department's sample workbooks and the figures they give (expected.json): the
# project's own test data, read by every test that imports a real file.
SAMPLES = Path(__file__).resolve().parent / "fixtures" / "samples"

PASSWORD = "correct-horse-battery-staple"


def make_user(
    username: str, role: str, *, district: str | None = None, province: str | None = None
) -> User:
    d = District.objects.get(code=district) if district else None
    user = User(
        username=username,
        role=role,
        district=d,
        province_id=d.province_id if d else province,
        is_staff=role == Role.ADMIN,
        is_superuser=role == Role.ADMIN,
    )
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: the database is rolled back between tests,
    what the pages cached (a district's subdistricts) is not."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def officer(db):
    return make_user("officer", Role.OFFICER, district="5607")


@pytest.fixture
def colleague(db):
    return make_user("colleague", Role.OFFICER, district="5607")


@pytest.fixture
def outsider(db):
    return make_user("outsider", Role.OFFICER, district="5604")


@pytest.fixture
def province_staff(db):
    return make_user("province", Role.PROVINCE, province="56")


@pytest.fixture
def other_province_staff(db):
    return make_user("other_province", Role.PROVINCE, province="50")


@pytest.fixture
def admin(db):
    return make_user("admin", Role.ADMIN)


_codes = itertools.count(1)


def make_round(code: str = "2564-2", **overrides):
    """Round 2 of fiscal 2564 with the seed's values, unless overridden."""
    from products.models import FiscalYear, Round

    year, number = (int(x) for x in code.split("-"))
    fy, _ = FiscalYear.objects.get_or_create(year=year)
    values = dict(
        starts_on=dt.date(year - 543, 4, 1),
        ends_on=dt.date(year - 543, 9, 30),
        target_rate=Decimal("11"),
        growth_rate=Decimal("10"),
        window_start=2557,
        window_end=2563,
        survey_deadline=dt.date(year - 543, 5, 25),
        report_deadline=dt.date(year - 543, 9, 20),
    )
    values.update(overrides)
    return Round.objects.create(fiscal_year=fy, number=number, **values)


def make_entrepreneur(district: str = "5607", **overrides):
    from districts.models import Subdistrict
    from products.models import Entrepreneur

    n = next(_codes)
    code = f"{district}{n:05d}"
    if "code" not in overrides:
        # The counter runs on over a worker's whole session: skip any code that data
        # already loaded in this test (a sample workbook, the registry fixture) holds.
        while Entrepreneur.objects.filter(code=code).exists():
            n = next(_codes)
            code = f"{district}{n:05d}"
    values = dict(
        code=code,
        name=f"กลุ่มทดสอบ {n}",
        type=1,
        subdistrict=Subdistrict.objects.filter(district_id=district).first(),
        district_id=district,
        phone="0812345678",
    )
    values.update(overrides)
    return Entrepreneur.objects.create(**values)


def make_product(entrepreneur=None, **overrides):
    from products.models import Product

    entrepreneur = entrepreneur or make_entrepreneur()
    n = next(_codes)
    values = dict(
        entrepreneur=entrepreneur,
        district_id=entrepreneur.district_id,
        code=f"{entrepreneur.code}-{n:02d}",
        name=f"ผลิตภัณฑ์ {n}",
        type=1,
        registered_year=2560,
    )
    values.update(overrides)
    return Product.objects.create(**values)


@pytest.fixture
def round_2564(db):
    return make_round()


@pytest.fixture
def samples() -> Path:
    return SAMPLES


@pytest.fixture(autouse=True)
def _axes_only_where_asked(request, settings):
    """django-axes needs the request at authenticate(), which Django's test Client.login
    does not pass. Tests of the lockout itself are marked `axes` and keep it on."""
    if "axes" not in request.keywords:
        settings.AXES_ENABLED = False


@pytest.fixture(autouse=True)
def _static_files_without_manifest(settings):
    """Production serves hashed static files from collectstatic's manifest; tests render
    pages without running collectstatic."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _plain_http_test_client(settings):
    """The suite runs with DEBUG off, which means HTTPS-only settings; Django's test
    client speaks plain http. tests/otop_portal/test_security.py checks the real values."""
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The production hasher is slow on purpose; tests log in hundreds of times."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _thai_by_default():
    """A test-client request in English leaves English active in its thread; every test
    starts in the portal's default language."""
    from django.utils import translation

    with translation.override("th"):
        yield


@pytest.fixture(scope="session")
def _plain_http_while_starting():
    """Django's SecurityMiddleware reads the HTTPS redirect and HSTS settings once, when
    the live server loads its middleware, so the per-test settings of tests/conftest.py
    come too late for a server that outlives the test. They are off while the server
    starts, and back to their real values after (the cookie settings are read on each
    request, so the per-test fixture covers them)."""
    from django.test.utils import override_settings

    plain_http = override_settings(SECURE_SSL_REDIRECT=False, SECURE_HSTS_SECONDS=0)
    plain_http.enable()
    yield plain_http
    if hasattr(plain_http, "wrapped"):  # still on: the server failed to start
        plain_http.disable()


@pytest.fixture(scope="session")
def live_server(_plain_http_while_starting, live_server):
    """pytest-django's live server (its own port in each xdist worker), speaking http."""
    _plain_http_while_starting.disable()
    return live_server
