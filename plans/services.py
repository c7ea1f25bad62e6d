"""Writes of the plans app: an officer records how far the district has come with a product.

A follow-up is the district's own working record. It never touches the result report or
the KPI: "sold online" comes only from attachment 3 (reports.selectors).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from districts.models import District
from districts.scoping import can_edit_district
from otop_portal.dates import be_date
from otop_portal.workflow import MSG_NO_PERMISSION, WorkflowError
from plans.models import FollowUp, Step
from products.models import Product, Round

NOTE_MAX_LENGTH = 1000

MSG_NOT_IN_BASE = _("ผลิตภัณฑ์นี้ไม่อยู่ในฐานของรอบนี้ จึงบันทึกการติดตามไม่ได้")
MSG_BAD_STEP = _("ขั้นตอนต้องเป็นหนึ่งใน: %(choices)s")
MSG_FUTURE_DATE = _("วันที่ต้องไม่เลยวันนี้ (%(today)s)")
MSG_NOTE_TOO_LONG = _("บันทึกยาวได้ไม่เกิน %(max)s ตัวอักษร")


def followup_record(
    *,
    round: Round,
    product: Product,
    district: District | None = None,
    step: str,
    on: dt.date,
    note: str = "",
    by,
    today: dt.date | None = None,
) -> FollowUp:
    """Set the product's follow-up step in the round, with a date and a note. `district`
    is the one the round counts the product in (base_q), its registry district if not
    given.

    Only the district's officers and administrators may (WorkflowError otherwise). The
    product must be in the round's base, the step one of Step, the date not in the
    future (ValidationError naming the field). The previous step stays in the history,
    with who changed it.
    """
    district = district or product.district
    if not can_edit_district(by, district):
        raise WorkflowError(MSG_NO_PERMISSION)
    today = today or timezone.localdate()
    note = (note or "").strip()
    errors: dict[str, list] = {}
    if step not in Step.values:
        errors.setdefault("step", []).append(
            MSG_BAD_STEP % {"choices": ", ".join(str(label) for label in Step.labels)}
        )
    if on is None or on > today:
        errors.setdefault("on", []).append(MSG_FUTURE_DATE % {"today": be_date(today)})
    if len(note) > NOTE_MAX_LENGTH:
        errors.setdefault("note", []).append(MSG_NOTE_TOO_LONG % {"max": NOTE_MAX_LENGTH})
    if not Product.objects.base(round, district=district.code).filter(pk=product.pk).exists():
        errors.setdefault("__all__", []).append(MSG_NOT_IN_BASE)
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        followup = FollowUp.objects.select_for_update().filter(
            round=round, product=product
        ).first() or FollowUp(round=round, product=product, district_id=district.code)
        if (
            followup.pk is not None
            and followup.step == step
            and followup.on == on
            and followup.note == note
        ):
            return followup  # nothing changed: no history row
        followup.step, followup.on, followup.note = step, on, note
        followup.updated_by = by
        followup._history_user = by
        followup.save()
    return followup
