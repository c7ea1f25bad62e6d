"""Rounds: create or update a fiscal year's round with the seed's defaults, start next
year's round from this one, and re-pin a round to another registry snapshot."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history

from otop_portal.totals import totals_changed
from products.models import FiscalYear, RegistrySnapshot, Round, Target
from products.selectors import RepinPreview, repin_preview, snapshot_latest

MSG_BAD_ROUND_CODE = gettext_lazy(
    "“%(value)s” ไม่ใช่รหัสรอบ ให้เขียนแบบ 2564-2 (ปีงบประมาณ พ.ศ.-รอบที่ 1 หรือ 2)"
)
MSG_BAD_WINDOW = gettext_lazy("“%(value)s” ไม่ใช่ช่วงปีที่ลงทะเบียน ให้เขียนแบบ 2557-2563")
MSG_BAD_RATE = gettext_lazy("อัตรา %(value)s ต้องมากกว่า 0 และไม่เกิน 100")
MSG_DEADLINES = gettext_lazy("กำหนดส่งแบบสำรวจต้องไม่ช้ากว่ากำหนดส่งแบบรายงานผล")
MSG_NO_SNAPSHOT = gettext_lazy("ไม่พบชุดข้อมูลทะเบียน “%(value)s”")
MSG_NO_SNAPSHOTS = gettext_lazy("ยังไม่มีชุดข้อมูลทะเบียน ให้นำเข้าทะเบียนก่อน")
MSG_NO_ROUND = gettext_lazy("ไม่พบรอบ %(code)s")
MSG_TARGET_COPIED = gettext_lazy("คัดลอกจากรอบ %(code)s: %(reason)s")
MSG_ROUND_EXISTS = gettext_lazy("รอบ %(code)s มีอยู่แล้ว")
MSG_FROM_SAME_NUMBER = gettext_lazy(
    "รอบ %(code)s และรอบ %(source)s ต้องเป็นรอบที่เดียวกันของปีงบประมาณต่างกัน"
)
MSG_SAME_SNAPSHOT = gettext_lazy("รอบ %(code)s ใช้ชุดข้อมูลทะเบียนนี้อยู่แล้ว")
MSG_REPIN_APPROVED = gettext_lazy(
    "รอบ %(code)s มีแบบที่อนุมัติแล้ว (%(forms)s) ตัวเลขที่ส่งกรมแล้วจะเปลี่ยน "
    "จึงเปลี่ยนชุดข้อมูลทะเบียนไม่ได้ เว้นแต่ยืนยันด้วย --force"
)
#: The change reasons the round's history keeps for a re-pin.
CHANGE_REASON_REPINNED = "re-pinned from snapshot %(old)s to %(new)s"
CHANGE_REASON_REPINNED_FORCED = "re-pinned from snapshot %(old)s to %(new)s, forced over %(forms)s"
CHANGE_REASON_FROM = "set up from round %(source)s"

#: Functions (round) -> the approved forms of the round, each named in a few words.
#: The apps above this one (surveys, reports) register theirs when they load, since
#: products knows no app above it.
_APPROVED_FORMS: list[Callable[[Round], list[str]]] = []


def approved_forms_register(fn: Callable[[Round], list[str]]) -> Callable[[Round], list[str]]:
    """Register a function that names a round's approved forms (see _APPROVED_FORMS)."""
    if fn not in _APPROVED_FORMS:
        _APPROVED_FORMS.append(fn)
    return fn


def round_approved_forms(round: Round) -> list[str]:
    """The approved forms of a round: their figures went to the department."""
    return [name for fn in _APPROVED_FORMS for name in fn(round)]


class RoundSetupError(ValueError):
    pass


@dataclass
class RoundRepinResult:
    round: Round
    old_snapshot: RegistrySnapshot | None
    preview: RepinPreview
    #: The approved forms the re-pin went over (with force), or would refuse on.
    approved: list[str]
    dry_run: bool = False


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
    force: bool = False,
    by=None,
    dry_run: bool = False,
) -> RoundSetupResult:
    """Create or update a fiscal year and one of its rounds.

    A new round takes the seed's values (round_defaults) for whatever is not given. An
    existing round changes only in what is given, so running the command again, or
    after an administrator edited the round, does not undo anything. `snapshot` is a
    RegistrySnapshot or "latest"; None leaves an existing round's snapshot as it is and
    gives a new round the latest snapshot. Another snapshot for an existing round is a
    re-pin, with round_repin's rule on approved forms (`force`).
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
            given["snapshot"] = snapshot_latest()
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
            if "snapshot" in changes:
                # A new snapshot for an existing round is a re-pin: refused over approved
                # forms unless forced, and the history says so.
                old, new = changes["snapshot"]
                round._change_reason = _repin_reason(round, old, new, force=force)
            for k, (_old, new) in changes.items():
                setattr(round, k, new)
        if round.survey_deadline > round.report_deadline:
            raise RoundSetupError(MSG_DEADLINES)
        if not dry_run and (created or changes):
            FiscalYear.objects.get_or_create(year=year)
            round._history_user = by
            round.save()
            # A new round gets its totals rows now; a changed rate, window or snapshot
            # changes every district's figures.
            totals_changed(round_ids=[round.pk])
    return RoundSetupResult(round=round, created=created, changes=changes, dry_run=dry_run)


def _repin_reason(round: Round, old, new, *, force: bool) -> str:
    """The history's reason for a re-pin; raises RoundSetupError over approved forms
    unless forced."""
    approved = round_approved_forms(round)
    if approved and not force:
        raise RoundSetupError(
            MSG_REPIN_APPROVED % {"code": round.code, "forms": ", ".join(approved)}
        )
    values = {
        "old": getattr(old, "pk", None) or "-",
        "new": getattr(new, "pk", None) or "-",
        "forms": ", ".join(approved),
    }
    reason = CHANGE_REASON_REPINNED_FORCED if approved else CHANGE_REASON_REPINNED
    return (reason % values)[:100]


def round_repin(
    *,
    round: Round,
    snapshot: RegistrySnapshot | None = None,
    force: bool = False,
    by=None,
    dry_run: bool = False,
) -> RoundRepinResult:
    """Pin a round to another registry snapshot (the latest if none is given).

    The base, targets, forms' rows and KPI of the round then come from that snapshot
    (products.models.base_q). The result's preview says what changes per district. A
    round with an approved form refuses, since its figures went to the department,
    unless `force`; the round's history records the re-pin and who made it. A dry run
    (or a refusal) changes nothing.
    """
    if snapshot is None:
        snapshot = snapshot_latest()
        if snapshot is None:
            raise RoundSetupError(MSG_NO_SNAPSHOTS)
    if round.snapshot_id == snapshot.pk:
        raise RoundSetupError(MSG_SAME_SNAPSHOT % {"code": round.code})
    with transaction.atomic():
        locked = Round.objects.select_for_update().get(pk=round.pk)
        old = locked.snapshot
        preview = repin_preview(round=locked, snapshot=snapshot)
        approved = round_approved_forms(locked)
        locked._change_reason = _repin_reason(locked, old, snapshot, force=force)
        if not dry_run:
            locked.snapshot = snapshot
            locked._history_user = by
            locked.save(update_fields=["snapshot"])
            round.snapshot = snapshot
            totals_changed(round_ids=[locked.pk])
    return RoundRepinResult(
        round=locked, old_snapshot=old, preview=preview, approved=approved, dry_run=dry_run
    )


def round_repin_check(
    *, round: Round, snapshot: RegistrySnapshot | None = None
) -> RoundRepinResult:
    """The preview of round_repin, and the approved forms it would refuse on, without
    refusing: what an administrator reads before confirming."""
    if snapshot is None:
        snapshot = snapshot_latest()
        if snapshot is None:
            raise RoundSetupError(MSG_NO_SNAPSHOTS)
    if round.snapshot_id == snapshot.pk:
        raise RoundSetupError(MSG_SAME_SNAPSHOT % {"code": round.code})
    return RoundRepinResult(
        round=round,
        old_snapshot=round.snapshot,
        preview=repin_preview(round=round, snapshot=snapshot),
        approved=round_approved_forms(round),
        dry_run=True,
    )


def _shift_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def round_setup_from(
    *,
    code: str,
    source: Round | str,
    copy_official_targets: bool = False,
    snapshot: RegistrySnapshot | None = None,
    by=None,
    dry_run: bool = False,
) -> RoundSetupResult:
    """Start a round from the same round of an earlier fiscal year: "2565-2" from
    "2564-2".

    The target rate, growth rate, registration window and the lock after the deadline
    are copied unchanged; the months and both deadlines move by the years between the
    two. The new round pins the latest snapshot (or `snapshot`). The official targets
    are copied only if asked: they were set for the source's base. The baseline of each
    product (column T) needs no copy: it is the product's round total in the round a
    year earlier (reports.selectors).
    """
    year, number = parse_round_code(code)
    if not isinstance(source, Round):
        source_code = source
        source_year, source_number = parse_round_code(source_code)
        source = (
            Round.objects.filter(fiscal_year_id=source_year, number=source_number)
            .select_related("snapshot")
            .first()
        )
        if source is None:
            raise RoundSetupError(MSG_NO_ROUND % {"code": source_code})
    if source.number != number or source.fiscal_year_id >= year:
        raise RoundSetupError(MSG_FROM_SAME_NUMBER % {"code": code, "source": source.code})
    if Round.objects.filter(fiscal_year_id=year, number=number).exists():
        raise RoundSetupError(MSG_ROUND_EXISTS % {"code": code})
    years = year - source.fiscal_year_id
    if snapshot is None:
        snapshot = snapshot_latest()
    round = Round(
        fiscal_year_id=year,
        number=number,
        starts_on=_shift_years(source.starts_on, years),
        ends_on=_shift_years(source.ends_on, years),
        target_rate=source.target_rate,
        growth_rate=source.growth_rate,
        window_start=source.window_start,
        window_end=source.window_end,
        survey_deadline=_shift_years(source.survey_deadline, years),
        report_deadline=_shift_years(source.report_deadline, years),
        lock_after_deadline=source.lock_after_deadline,
        snapshot=snapshot,
    )
    if not dry_run:
        with transaction.atomic():
            FiscalYear.objects.get_or_create(year=year)
            round._change_reason = CHANGE_REASON_FROM % {"source": source.code}
            round._history_user = by
            round.save()
            if copy_official_targets:
                targets = list(Target.objects.filter(round=source))
                for t in targets:
                    t.pk = None
                    t.round = round
                    t.set_by = by
                    t.reason = str(MSG_TARGET_COPIED % {"code": source.code, "reason": t.reason})
                bulk_create_with_history(targets, Target, default_user=by)
            totals_changed(round_ids=[round.pk])
    return RoundSetupResult(round=round, created=True, dry_run=dry_run)
