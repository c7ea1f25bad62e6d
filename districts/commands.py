"""The district or province a management command names (see otop_portal.commands)."""

from __future__ import annotations

from django.core.management.base import CommandError
from django.utils.translation import gettext_lazy as _

from districts.models import District, Province

MSG_NO_DISTRICT = _("ไม่พบอำเภอรหัส %(code)s")
MSG_NO_PROVINCE = _("ไม่พบจังหวัดรหัส %(code)s")


def district_option(code: str):
    district = District.objects.select_related("province").filter(code=code).first()
    if district is None:
        raise CommandError(MSG_NO_DISTRICT % {"code": code})
    return district


def province_option(code: str):
    province = Province.objects.filter(code=code).first()
    if province is None:
        raise CommandError(MSG_NO_PROVINCE % {"code": code})
    return province
