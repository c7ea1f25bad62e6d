"""The admin shows dates and amounts as the other pages do: Buddhist-era dates
(25 พ.ค. 2564) and amounts with thousands separators (12,500.00); and its column headers
in Thai where a field has no Thai name of its own ("DISTRICT", "FISCAL YEAR", "CODE").

Django's admin formats a field's value in one function, `display_for_field`, for its
lists and for read-only fields; its Thai date format writes the Christian-era year
("1 เมษายน 2021") and a format string cannot add 543. Wrapping that one function covers
every model's admin, ours and the third-party apps', without a column method on each.

The same holds for the two other places the admin shows a date: the date hierarchy's
links above a list ("2021", "พฤษภาคม 2021") and an edit form's date input ("2021-05-25").
The hierarchy's titles show the Buddhist-era year while its links keep the query's
Christian-era year (?as_of__year=2021), which is what the database filters on; a date
input shows 25/05/2564 and reads back either era.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django import forms
from django.contrib.admin import helpers, options, utils, widgets
from django.contrib.admin.templatetags import admin_list
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from otop_portal.templatetags.portal import baht, be_date

_django_display_for_field = utils.display_for_field
_django_label_for_field = utils.label_for_field
_django_date_hierarchy = admin_list.date_hierarchy
_django_formfield_for_dbfield = options.BaseModelAdmin.formfield_for_dbfield

#: A year in a date hierarchy's title: its titles are dates only ("2021", "พฤษภาคม 2021",
#: "25 พฤษภาคม"), so a four-digit number there is a Christian-era year.
_CE_YEAR = re.compile(r"\b(1[89]|20)\d\d\b")
#: A date typed as the portal writes it: day/month/year, the year in either era.
_TYPED_DATE = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
#: Years from this one on are Buddhist-era (2400 BE is 1857 CE).
BE_FROM = 2400

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


def be_years(text) -> str:
    """A date hierarchy title with its Christian-era year as Buddhist-era: 2021 -> 2564."""
    return _CE_YEAR.sub(lambda found: str(int(found.group()) + 543), str(text))


def date_hierarchy(cl):
    """Django's date hierarchy, titled in Buddhist-era years; its links are left alone."""
    found = _django_date_hierarchy(cl)
    if found and found.get("show"):
        if found.get("back"):
            found["back"] = {**found["back"], "title": be_years(found["back"]["title"])}
        found["choices"] = [{**c, "title": be_years(c["title"])} for c in found["choices"]]
    return found


def date_hierarchy_tag(parser, token):
    return InclusionAdminNode(
        parser, token, func=date_hierarchy, template_name="date_hierarchy.html", takes_context=False
    )


class BuddhistEraDateInput(forms.DateInput):
    """A date as day/month/Buddhist-era year (25/05/2564). What is typed is handed to the
    form field as an ISO date, so the field's own checks apply: a year from 2400 on is
    Buddhist-era, an earlier one Christian-era (25/05/2021 and 2021-05-25 still work)."""

    input_type = "text"

    def __init__(self, attrs=None):
        attrs = {"size": 10, "placeholder": _("วว/ดด/ปปปป (พ.ศ.)"), **(attrs or {})}
        super().__init__(attrs)

    def format_value(self, value):
        # A string is what was posted, handed back as ISO: shown again as the user
        # typed it, even when it is no date (31/02/2564).
        found = _ISO_DATE.match(value) if isinstance(value, str) else None
        if found:
            year, month, day = (int(part) for part in found.groups())
            return f"{day:02d}/{month:02d}/{year + 543}"
        if isinstance(value, dt.date):
            return f"{value.day:02d}/{value.month:02d}/{value.year + 543}"
        return super().format_value(value)

    def value_from_datadict(self, data, files, name):
        value = super().value_from_datadict(data, files, name)
        found = _TYPED_DATE.match(value or "")
        if not found:
            return value
        day, month, year = (int(part) for part in found.groups())
        if year >= BE_FROM:
            year -= 543
        return f"{year:04d}-{month:02d}-{day:02d}"


def formfield_for_dbfield(self, db_field, request, **kwargs):
    """The admin's form fields are named in Thai, and its date inputs show and take
    Buddhist-era dates. Django's calendar
    shortcuts write Christian-era dates into the box, so the input goes without them."""
    field = _django_formfield_for_dbfield(self, db_field, request, **kwargs)
    # A field without a Thai name is labelled as its column is ("Fiscal year": ปีงบประมาณ).
    if field is not None and str(field.label).isascii():
        field.label = capfirst(_thai_label(db_field.name, db_field.model, field.label))
    if field is not None and type(field.widget) is widgets.AdminDateWidget:
        field.widget = BuddhistEraDateInput()
        field.widget.is_required = field.required
    return field


def install() -> None:
    """Use these functions everywhere the admin imported Django's (idempotent)."""
    for module in (utils, helpers, admin_list):
        module.display_for_field = display_for_field
        module.label_for_field = label_for_field
    # The tag keeps the function it was registered with, so it is registered again.
    admin_list.register.tag("date_hierarchy", date_hierarchy_tag)
    options.BaseModelAdmin.formfield_for_dbfield = formfield_for_dbfield
