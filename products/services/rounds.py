"""Rounds: create or update a fiscal year's round with the seed's defaults."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext_lazy

from products.models import FiscalYear, RegistrySnapshot, Round

MSG_BAD_ROUND_CODE = gettext_lazy(
    "“%(value)s” ไม่ใช่รหัสรอบ ให้เขียนแบบ 2564-2 (ปีงบประมาณ พ.ศ.-รอบที่ 1 หรือ 2)"
)
MSG_BAD_WINDOW = gettext_lazy("“%(value)s” ไม่ใช่ช่วงปีที่ลงทะเบียน ให้เขียนแบบ 2557-2563")
MSG_BAD_RATE = gettext_lazy("อัตรา %(value)s ต้องมากกว่า 0 และไม่เกิน 100")
MSG_DEADLINES = gettext_lazy("กำหนดส่งแบบสำรวจต้องไม่ช้ากว่ากำหนดส่งแบบรายงานผล")
MSG_NO_SNAPSHOT = gettext_lazy("ไม่พบชุดข้อมูลทะเบียน “%(value)s”")


class RoundSetupError(ValueError):
    pass


@dataclass
class RoundSetupResult:
    round: Round
    created: bool
    #: Field name -> (old value, new value) for each field that changed.
    changes: dict[str, tuple] = field(default_factory=dict)
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        return self.created or bool(self.changes)


def round_defaults(year: int, number: int) -> dict:
    """The seed's values for round `number` of fiscal year `year` (Buddhist Era).

    Round 1 is October to March, round 2 April to September. The survey is due on the
    25th of the round's second month and the report on the 20th of its last month, as
    in the seed (25 May and 20 September 2564 for round 2).
    """
    ce = year - 543
    if number == 1:
        starts, ends = dt.date(ce - 1, 10, 1), dt.date(ce, 3, 31)
        survey, report = dt.date(ce - 1, 11, 25), dt.date(ce, 3, 20)
    else:
        starts, ends = dt.date(ce, 4, 1), dt.date(ce, 9, 30)
        survey, report = dt.date(ce, 5, 25), dt.date(ce, 9, 20)
    return {
        "starts_on": starts,
        "ends_on": ends,
        "target_rate": Decimal("11"),
        "growth_rate": Decimal("10"),
        "window_start": 2557,
        "window_end": ce + 543 - 1,
        "survey_deadline": survey,
        "report_deadline": report,
    }


def parse_round_code(code: str) -> tuple[int, int]:
    try:
        year, number = (int(part) for part in str(code).strip().split("-"))
    except ValueError:
        raise RoundSetupError(MSG_BAD_ROUND_CODE % {"value": code}) from None
    if not 2400 <= year <= 2700 or number not in (1, 2):
        raise RoundSetupError(MSG_BAD_ROUND_CODE % {"value": code})
    return year, number


def parse_window(text: str) -> tuple[int, int]:
    try:
        start, end = (int(part) for part in str(text).strip().split("-"))
    except ValueError:
        raise RoundSetupError(MSG_BAD_WINDOW % {"value": text}) from None
    if not 2400 <= start <= end <= 2700:
        raise RoundSetupError(MSG_BAD_WINDOW % {"value": text})
    return start, end


def round_setup(
    *,
    code: str,
    target_rate: Decimal | None = None,
    growth_rate: Decimal | None = None,
    window: tuple[int, int] | None = None,
    survey_deadline: dt.date | None = None,
    report_deadline: dt.date | None = None,
    snapshot: RegistrySnapshot | str | None = None,
    dry_run: bool = False,
) -> RoundSetupResult:
    """Create or update a fiscal year and one of its rounds.

    A new round takes the seed's values (round_defaults) for whatever is not given. An
    existing round changes only in what is given, so running the command again, or
    after an administrator edited the round, does not undo anything. `snapshot` is a
    RegistrySnapshot or "latest"; None leaves an existing round's snapshot as it is and
    gives a new round the latest snapshot.
    """
    year, number = parse_round_code(code)
    for rate in (target_rate, growth_rate):
        if rate is not None and not 0 < rate <= 100:
            raise RoundSetupError(MSG_BAD_RATE % {"value": rate})
    given = {
        "target_rate": target_rate,
        "growth_rate": growth_rate,
        "window_start": window[0] if window else None,
        "window_end": window[1] if window else None,
        "survey_deadline": survey_deadline,
        "report_deadline": report_deadline,
        "snapshot": snapshot,
    }
    given = {k: v for k, v in given.items() if v is not None}
    with transaction.atomic():
        round = (
            # Lock only the round row: PostgreSQL cannot lock the nullable side of the
            # outer join to its snapshot.
            Round.objects.select_for_update(of=("self",))
            .select_related("snapshot")
            .filter(fiscal_year_id=year, number=number)
            .first()
        )
        created = round is None
        if snapshot == "latest" or (created and snapshot is None):
            given["snapshot"] = RegistrySnapshot.objects.order_by("-as_of", "-id").first()
            if given["snapshot"] is None:
                del given["snapshot"]
        if created:
            round = Round(
                fiscal_year_id=year, number=number, **{**round_defaults(year, number), **given}
            )
            changes = {}
        else:
            changes = {
                k: (getattr(round, k), v) for k, v in given.items() if getattr(round, k) != v
            }
            for k, (_old, new) in changes.items():
                setattr(round, k, new)
        if round.survey_deadline > round.report_deadline:
            raise RoundSetupError(MSG_DEADLINES)
        if not dry_run and (created or changes):
            FiscalYear.objects.get_or_create(year=year)
            round.save()
    return RoundSetupResult(round=round, created=created, changes=changes, dry_run=dry_run)
