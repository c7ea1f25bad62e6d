"""The admin shows dates and amounts as the other pages do: Buddhist-era dates
(25 พ.ค. 2564) and amounts with thousands separators (12,500.00); and its column headers
in Thai where a field has no Thai name of its own ("DISTRICT", "FISCAL YEAR", "CODE").

Django's admin formats a field's value in one function, `display_for_field`, for its
lists and for read-only fields; its Thai date format writes the Christian-era year
("1 เมษายน 2021") and a format string cannot add 543. Wrapping that one function covers
every model's admin, ours and the third-party apps', without a column method on each.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.admin import helpers, utils
from django.contrib.admin.templatetags import admin_list
from django.db import models
from django.utils.translation import gettext_lazy as _

from otop_portal.templatetags.portal import baht, be_date

_django_display_for_field = utils.display_for_field
_django_label_for_field = utils.label_for_field

#: Thai headers of columns that are not a model field with a Thai name: properties and
#: fields left with Django's default name (their English field name).
LABELS = {
    "code": _("รหัส"),
    "period_label": _("ช่วงเวลา"),
    "starts_on": _("วันเริ่ม"),
    "ends_on": _("วันสิ้นสุด"),
    "set_by": _("กำหนดโดย"),
    "set_at": _("กำหนดเมื่อ"),
    "answered_by": _("ตอบโดย"),
    "answered_at": _("ตอบเมื่อ"),
    "uploaded_by": _("อัปโหลดโดย"),
    "uploaded_at": _("อัปโหลดเมื่อ"),
    "updated_by": _("แก้ไขโดย"),
    "original_name": _("ชื่อไฟล์"),
    "outcome": _("ผล"),
    "id": _("เลขที่"),
    "task_name": _("งาน"),
    "status": _("สถานะ"),
}


def label_for_field(name, model, model_admin=None, return_attr=False, form=None):
    found = _django_label_for_field(name, model, model_admin, return_attr, form)
    label, attr = found if return_attr else (found, None)
    if isinstance(name, str) and str(label).isascii():
        label = _thai_label(name, model, label)
    return (label, attr) if return_attr else label


def _thai_label(name: str, model, label):
    """Django's default label is the field's name in English: a relation takes the Thai
    name of the model it points to (district: อำเภอ), others a name from LABELS."""
    if name in LABELS:
        return LABELS[name]
    try:
        field = model._meta.get_field(name)
    except Exception:  # noqa: BLE001 - not a field: a method or property
        return label
    related = getattr(field, "related_model", None)
    if related is not None and not str(related._meta.verbose_name).isascii():
        return related._meta.verbose_name
    return label


def display_for_field(value, field, empty_value_display, *args, **kwargs):
    if value is not None and not getattr(field, "choices", None):
        if isinstance(field, models.DateField):  # DateTimeField too
            return be_date(value)
        if isinstance(field, models.DecimalField) and isinstance(value, Decimal):
            return baht(value, field.decimal_places or 0)
    return _django_display_for_field(value, field, empty_value_display, *args, **kwargs)


def install() -> None:
    """Use these functions everywhere the admin imported Django's (idempotent)."""
    for module in (utils, helpers, admin_list):
        module.display_for_field = display_for_field
        module.label_for_field = label_for_field
