"""The round a management command names (see otop_portal.commands)."""

from __future__ import annotations

from django.core.management.base import CommandError
from django.utils.translation import gettext_lazy as _

from products.selectors import round_get

MSG_NO_ROUND = _("ไม่พบรอบการประเมิน %(code)s (สร้างด้วย setup_round)")


def round_option(code: str):
    round = round_get(code)
    if round is None:
        raise CommandError(MSG_NO_ROUND % {"code": code})
    return round
