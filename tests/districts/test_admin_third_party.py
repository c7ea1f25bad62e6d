"""The third-party apps' admin (login attempts, the task queue) is the superusers': staff
who are not superusers neither see it nor open it, whatever permissions they hold."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

pytestmark = pytest.mark.django_db

PAGES = [
    "admin:axes_accessattempt_changelist",
    "admin:axes_accesslog_changelist",
    "admin:axes_accessfailurelog_changelist",
    "admin:django_tasks_database_dbtaskresult_changelist",
]
THAI_NAMES = [
    "ความปลอดภัยการเข้าสู่ระบบ",
    "ความพยายามเข้าสู่ระบบ",
    "บันทึกการเข้าสู่ระบบ",
    "การเข้าสู่ระบบที่ล้มเหลว",
    "คิวงาน",
    "งานในคิว",
]


@pytest.fixture
def staff(province_staff):
    """Provincial staff an administrator let into the admin with every permission."""
    province_staff.is_staff = True
    province_staff.save()
    province_staff.user_permissions.set(Permission.objects.all())
    return province_staff


def test_it_hides_the_third_party_apps_from_staff_who_are_not_superusers(client, staff):
    client.force_login(staff)
    html = client.get(reverse("admin:index")).content.decode()
    assert "ทะเบียน OTOP รอบและเป้าหมาย" in html  # the portal's own apps are there
    for name in THAI_NAMES:
        assert name not in html
    for page in PAGES:
        assert client.get(reverse(page)).status_code == 403, page
    for app in ("axes", "django_tasks_database"):
        assert client.get(reverse("admin:app_list", args=[app])).status_code == 404


def test_it_keeps_them_for_superusers_named_in_thai(client, admin):
    client.force_login(admin)
    html = client.get(reverse("admin:index")).content.decode()
    for name in THAI_NAMES:
        assert name in html
    for page in PAGES:
        assert client.get(reverse(page)).status_code == 200, page
