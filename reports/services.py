"""Writes of the reports app: starting a district's report, saving its lines, the
review workflow, and importing attachment 3.

The baseline (column T: the same months a year earlier, per product) is prefilled only
where it is known per product, and never invented:

- from the district's report of the same round a year earlier (the previous fiscal
  year's round with the same number), when there is one: that line's round total is
  this line's baseline;
- as 0 when the district's readiness survey of this round says the entrepreneur had no
  online sales at all in the previous fiscal year (column P is 0 and the answer was
  given), and that fiscal year contains the baseline months: no sales in the year means
  none in its months.

The survey's amount for an entrepreneur who did sell is a whole fiscal year for all of
its products together, so it says nothing exact about one product's months: the line
stays empty and the page shows the entrepreneur's figure beside it as a hint. An empty
baseline counts as 0 in the KPI sums.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from uuid import uuid4

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from districts.models import District
from otop_portal.cells import MSG_TOO_LONG
from otop_portal.dates import be_date
from otop_portal.importing import ImportRefused, Notice, ProblemCollector
from otop_portal.totals import totals_changed
from otop_portal.upload_flow import UploadFlow, blank_refuse
from otop_portal.workflow import (
    CHANGE_REASON_PREFILLED,
    CHANGE_REASON_SAVED,
    Status,
    WorkflowError,
    change_reason_import,
    submission_approve,
    submission_grant_exception,
    submission_return,
    submission_submit,
)
from products.models import Product, Round
from products.selectors import registry_label
from reports.models import (
    CHANGE_REASON_FLAG_NOTE,
    LINE_TEXT_LIMITS,
    MONTH_FIELDS,
    BaselineSource,
    DistrictTotals,
    Report,
    ReportLine,
    clean_shop_url,
    line_total_expression,
)
from reports.plausibility import (
    Flag,
    district_flags,
    flagged_lines_by_district,
    flags_for_districts,
    flags_for_report,
)
from reports.selectors import (
    SURVEY_COUNT_FIELDS,
    TOTALS_FIELDS,
    Kpi,
    form_statuses,
    kpi_for_districts,
    kpi_rows_live,
    report_progress_by_district,
    report_submit_blockers,
)
from reports.workbook import match_rows, read_report
from surveys.models import EntrepreneurAnswer, Survey
from surveys.selectors import survey_answer_counts

MSG_NEGATIVE = _("ยอดเงินต้องเป็นศูนย์หรือมากกว่า")
MSG_TOO_MANY_DIGITS = _("ยอดเงินมากเกินไป")
MSG_STALE = _(
    "ผลิตภัณฑ์ “%(name)s” ถูกแก้ไขไปแล้วโดย %(who)s เมื่อ %(when)s ระหว่างที่ท่านเปิดหน้านี้ "
    "ข้อมูลของท่านยังไม่ถูกบันทึก กรุณาตรวจค่าล่าสุดแล้วบันทึกอีกครั้ง"
)
MSG_SOMEONE = _("ผู้ใช้อื่น")
MSG_LINE_NOT_IN_REPORT = _("รายการนี้ไม่อยู่ในแบบรายงานนี้")

MAX_AMOUNT = Decimal("999999999999.99")


class StaleLine(WorkflowError):
    """The line was saved by someone else after the form was opened."""


# ---------------------------------------------------------------------------
# Values of a line
# ---------------------------------------------------------------------------


def clean_amount(value: Decimal | None) -> Decimal | None:
    if value is None:
        return None
    if value < 0:
        raise ValidationError(MSG_NEGATIVE, code="negative")
    if value > MAX_AMOUNT:
        raise ValidationError(MSG_TOO_MANY_DIGITS, code="too_big")
    return value.quantize(Decimal("0.01"))


LINE_FIELDS = [
    "facebook",
    "line",
    "shopee",
    "lazada",
    "otop_today",
    "other_channel",
    "url",
    *MONTH_FIELDS,
    "sales_baseline",
    "note",
]


def clean_line_values(*, round: Round, values: dict) -> dict:
    """Validate a line's values (from the form or a file). Months past the round's length
    are forced to 0. Raises ValidationError with a dict of field errors."""
    errors: dict[str, list] = {}
    out: dict = {}
    for name in ("facebook", "line", "shopee", "lazada", "otop_today"):
        out[name] = bool(values.get(name))
    for name in ("other_channel", "note", "url"):
        text = (values.get(name) or "").strip()
        limit = LINE_TEXT_LIMITS[name]
        if len(text) > limit:
            errors[name] = [str(MSG_TOO_LONG % {"limit": limit})]
        elif name == "url":
            try:
                out["url"] = clean_shop_url(text)
            except ValidationError as exc:
                errors["url"] = exc.messages
        else:
            out[name] = text
    months = len(round.months())
    for index, name in enumerate(MONTH_FIELDS):
        if index >= months:
            out[name] = Decimal("0.00")
            continue
        try:
            out[name] = clean_amount(values.get(name)) or Decimal("0.00")
        except ValidationError as exc:
            errors[name] = exc.messages
    try:
        out["sales_baseline"] = clean_amount(values.get("sales_baseline"))
    except ValidationError as exc:
        errors["sales_baseline"] = exc.messages
    if errors:
        raise ValidationError(errors)
    return out


# ---------------------------------------------------------------------------
# Starting a report
# ---------------------------------------------------------------------------


def _year_earlier(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def baseline_prefill(
    *, round: Round, district: District, products: list[tuple[int, int]]
) -> dict[int, tuple[Decimal, str]]:
    """Known baselines of (product id, entrepreneur id) pairs: {product id: (amount, source)}.
    See the module docstring for the rules. At most three queries."""
    if not products:
        return {}
    out: dict[int, tuple[Decimal, str]] = {}
    ids = [p for p, _ in products]
    start, end = _year_earlier(round.starts_on), _year_earlier(round.ends_on)
    # The same round of the fiscal year before (as the KPI carries it, see
    # reports.selectors._sales_by_district).
    previous = Round.objects.filter(
        fiscal_year_id=round.fiscal_year_id - 1, number=round.number
    ).first()
    if previous is not None:
        for row in (
            ReportLine.objects.filter(
                report__round=previous, report__district=district, product_id__in=ids
            )
            .annotate(line_total=line_total_expression())
            .values("product_id", "line_total")
        ):
            out[row["product_id"]] = (
                Decimal(row["line_total"]).quantize(Decimal("0.01")),
                BaselineSource.PREVIOUS_REPORT,
            )
    fiscal_year = round.fiscal_year_id - 1
    fy_start = dt.date(fiscal_year - 543 - 1, 10, 1)
    fy_end = dt.date(fiscal_year - 543, 9, 30)
    if fy_start <= start and end <= fy_end:
        zero = set(
            EntrepreneurAnswer.objects.filter(
                survey__round=round,
                survey__district=district,
                answered_at__isnull=False,
                sales_prev_year=0,
                entrepreneur_id__in={e for _, e in products},
            ).values_list("entrepreneur_id", flat=True)
        )
        for product_id, entrepreneur_id in products:
            if product_id not in out and entrepreneur_id in zero:
                out[product_id] = (Decimal("0.00"), BaselineSource.SURVEY_ZERO)
    return out


def report_draft_lines(
    *, round: Round, district: District, report: Report | None = None, filters: dict | None = None
) -> list[ReportLine]:
    """The lines starting the report would create, in memory and unsaved: one per base
    product without a line in `report` (all of them when it has not started), with the
    baselines known in advance. Writes nothing: the report's page shows them before the
    first save, upload or submit starts the report (issue #15: GET never writes).

    `filters` are the page's (query, show, type, subdistrict; see
    selectors.report_lines): an unsaved line has no sales and no answer yet."""
    filters = filters or {}
    products = (
        Product.objects.base(round, district=district.pk)
        .select_related("entrepreneur", "entrepreneur__subdistrict")
        .order_by("entrepreneur__code", "name", "id")
    )
    if report is not None and report.pk is not None:
        # NOT EXISTS, not NOT IN: with NOT IN, PostgreSQL read every product of the
        # country to drop the district's (44 ms against 2, issue #19).
        products = products.exclude(
            Exists(ReportLine.objects.filter(report=report, product=OuterRef("pk")))
        )
    query = (filters.get("query") or "").strip()
    if query:
        products = products.filter(
            Q(entrepreneur__code__icontains=query)
            | Q(entrepreneur__name__icontains=query)
            | Q(name__icontains=query)
        )
    if filters.get("show") == "with_sales":
        return []
    if filters.get("type"):
        products = products.filter(type=filters["type"])
    if filters.get("subdistrict"):
        products = products.filter(entrepreneur__subdistrict_id=filters["subdistrict"])
    products = list(products)
    known = baseline_prefill(
        round=round, district=district, products=[(p.id, p.entrepreneur_id) for p in products]
    )
    lines = []
    for product in products:
        amount, source = known.get(product.id, (None, ""))
        line = ReportLine(
            report=report, product=product, sales_baseline=amount, baseline_source=source
        )
        line.line_total = Decimal("0.00")
        lines.append(line)
    return lines


def _add_missing_lines(report: Report, by=None) -> int:
    """One line per base product that has none yet (the registry may have grown)."""
    lines = report_draft_lines(round=report.round, district=report.district, report=report)
    if not lines:
        return 0
    bulk_create_with_history(
        lines,
        ReportLine,
        batch_size=1000,
        default_user=by,
        default_change_reason=CHANGE_REASON_PREFILLED,
    )
    return len(lines)


def report_get_or_start(*, round: Round, district: District, by=None) -> Report:
    """The district's report of the round, started (as a draft) if it does not exist,
    with one line per base product. Lines are added for base products that are new
    since the report started, as long as the report can still be edited (a draft or a
    returned report); a submitted or approved report stays as it was sent.

    Only a write calls it (a line's save, an upload's commit, a submit): the page of a
    report not started shows report_draft_lines. The report's first history record is
    credited to `by`."""
    with transaction.atomic():
        report, created = Report.objects.select_related("round", "district").get_or_create(
            round=round, district=district
        )
        if created and by is not None:
            # Outside a request simple_history has no user for the report's first record.
            report.history.filter(history_type="+").update(history_user=by)
        if report.status == Status.NOT_STARTED:  # a bare row an upload made (UploadFlow)
            report.status = Status.DRAFT
            if by is not None:
                report._history_user = by
            report.save(update_fields=["status", "updated_at"])
        if report.status in (Status.DRAFT, Status.RETURNED):
            _add_missing_lines(report, by)
        totals_changed(round_ids=[round.pk], districts=[district.code])
    return report


# ---------------------------------------------------------------------------
# Saving a line
# ---------------------------------------------------------------------------


def report_line_save(
    *, line: ReportLine, values: dict, version: int, by, today: dt.date | None = None
) -> ReportLine:
    """Save one product's line from the browser form, if nobody saved it in between.

    Raises WorkflowError when the report cannot be edited by `by` now, ValidationError
    for bad values, StaleLine when the line's version moved since the form was opened.
    """
    report = line.report
    reason = report.lock_reason(by, today)
    if reason:
        raise WorkflowError(reason)
    cleaned = clean_line_values(round=report.round, values=values)
    with transaction.atomic():
        # The report's row first, then the line's: an upload's commit locks them in that
        # order, and a save that held its line while waiting for the report deadlocked
        # with it.
        Report.objects.filter(pk=report.pk).update(updated_at=timezone.now())
        current = ReportLine.objects.select_for_update().select_related("product").get(pk=line.pk)
        if current.report_id != report.pk:
            raise WorkflowError(MSG_LINE_NOT_IN_REPORT)
        if current.version != version:
            who = MSG_SOMEONE
            if current.answered_by_id:
                who = current.answered_by.get_full_name() or current.answered_by.username
            raise StaleLine(
                MSG_STALE
                % {
                    "name": current.product.name,
                    "who": who,
                    "when": be_date(timezone.localtime(current.answered_at).date())
                    if current.answered_at
                    else "–",
                }
            )
        if cleaned["sales_baseline"] != current.sales_baseline:
            current.baseline_source = (
                BaselineSource.ENTERED if cleaned["sales_baseline"] is not None else ""
            )
        for name, value in cleaned.items():
            setattr(current, name, value)
        current.version += 1
        current.answered_at = timezone.now()
        current.answered_by = by
        current._change_reason = CHANGE_REASON_SAVED
        current._history_user = by  # outside a request simple_history has no user
        current.save()
        totals_changed(round_ids=[report.round_id], districts=[report.district_id])
    return current


# ---------------------------------------------------------------------------
# Workflow
# ---------------------------------------------------------------------------


MSG_FLAG_NOTE_REQUIRED = _(
    "กรุณาเขียนหมายเหตุสั้น ๆ ในรายการที่มียอดควรตรวจสอบ ว่าตัวเลขถูกต้องเพราะอะไร "
    "(หรือแก้ตัวเลข) ก่อนส่ง: %(names)s"
)


def report_flag_notes_save(
    *, report: Report, notes: dict[int, str], by, today: dt.date | None = None
) -> list[ReportLine]:
    """Save the officer's notes on flagged lines (why a figure that looks wrong is right).
    Each note is a change of its line, kept in the line's history with its own reason.
    Only lines of the report; empty notes are ignored; a note over the limit is refused."""
    reason = report.lock_reason(by, today)
    if reason:
        raise WorkflowError(reason)
    notes = {int(pk): (text or "").strip() for pk, text in notes.items()}
    notes = {pk: text for pk, text in notes.items() if text}
    limit = LINE_TEXT_LIMITS["note"]
    too_long = [pk for pk, text in notes.items() if len(text) > limit]
    if too_long:
        raise ValidationError({"note": [str(MSG_TOO_LONG % {"limit": limit})]})
    saved = []
    with transaction.atomic():
        lines = ReportLine.objects.select_for_update().filter(report=report, pk__in=list(notes))
        for line in lines:
            if line.note == notes[line.pk]:
                continue
            line.note = notes[line.pk]
            line.version += 1
            line.answered_at = timezone.now()
            line.answered_by = by
            line._change_reason = CHANGE_REASON_FLAG_NOTE
            # Outside a request (a command, a test) simple_history has no user to record.
            line._history_user = by
            line.save()
            saved.append(line)
        if saved:
            Report.objects.filter(pk=report.pk).update(updated_at=timezone.now())
            totals_changed(round_ids=[report.round_id], districts=[report.district_id])
    return saved


#: Flags a note cannot settle: sales with no channel are refused by the submit rule itself
#: (Report.missing_for_submit), which asks for the channel.
FLAGS_WITHOUT_NOTE = {"no_channel"}


def report_unexplained_flags(*, report: Report) -> list[Flag]:
    """The flags of lines that carry no note yet: the report cannot be submitted with them."""
    return [
        f
        for f in flags_for_report(report=report)
        if f.rule not in FLAGS_WITHOUT_NOTE and not f.note.strip()
    ]


def report_submit(
    *, report: Report, by, notes: dict[int, str] | None = None, today: dt.date | None = None
) -> Report:
    """Submit the report to the province. A line whose figures look wrong (see
    reports.plausibility) needs a short note first; notes given here are saved on their
    lines before the check, so that nothing typed is lost if the submission is refused."""
    if notes:
        report_flag_notes_save(report=report, notes=notes, by=by, today=today)
    unexplained = report_unexplained_flags(report=report)
    if unexplained and not report.lock_reason(by, today):
        names = list(dict.fromkeys(f.product_name for f in unexplained))
        shown = ", ".join(names[:5]) + (" …" if len(names) > 5 else "")
        raise WorkflowError(MSG_FLAG_NOTE_REQUIRED % {"names": shown})
    return submission_submit(submission=report, by=by, today=today)


def report_return(*, report: Report, by, reason: str) -> Report:
    return submission_return(submission=report, by=by, reason=reason)


def report_approve(*, report: Report, by) -> Report:
    return submission_approve(submission=report, by=by)


def report_grant_exception(*, report: Report, by, until: dt.date) -> Report:
    return submission_grant_exception(submission=report, by=by, until=until)


# ---------------------------------------------------------------------------
# Importing attachment 3
# ---------------------------------------------------------------------------

MSG_ABSENT_BECOMES_ZERO = ngettext_lazy(
    "ผลิตภัณฑ์ %(count)s รายการในฐานไม่มีในไฟล์ ถือว่าไม่มียอดจำหน่ายในรอบนี้ "
    "(ยอดรายเดือน ช่องทาง ลิงก์ และหมายเหตุจะว่าง ส่วนยอดปีก่อนคงเดิม)",
    "ผลิตภัณฑ์ %(count)s รายการในฐานไม่มีในไฟล์ ถือว่าไม่มียอดจำหน่ายในรอบนี้ "
    "(ยอดรายเดือน ช่องทาง ลิงก์ และหมายเหตุจะว่าง ส่วนยอดปีก่อนคงเดิม)",
    "count",
)
MSG_ABSENT_HAD_SALES = ngettext_lazy(
    "ในจำนวนนี้ %(count)s รายการเคยมียอดจำหน่ายในระบบ และจะกลายเป็นศูนย์: %(names)s",
    "ในจำนวนนี้ %(count)s รายการเคยมียอดจำหน่ายในระบบ และจะกลายเป็นศูนย์: %(names)s",
    "count",
)


@dataclass
class ReportImportResult:
    round: Round
    district: District
    rows: int
    changed: int
    absent: int
    absent_with_sales: list[str]
    notices: list[Notice]
    #: The district's KPI as it is (or, for a dry run, would be) after the import,
    #: computed by the KPI selector inside the import's transaction.
    kpi: Kpi
    dry_run: bool
    warnings: list[str] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    #: The file had no channel and no amount anywhere (see UploadFlow).
    blank: bool = False
    #: The lines that submitting would refuse once the file is applied (the submit rule,
    #: ReportLine.objects.blocking_submit): code, entrepreneur, name, row and why.
    blockers: list[dict] = field(default_factory=list)

    @property
    def figures(self):
        return self.kpi.rows[0]

    def summary(self) -> dict:
        row = self.figures
        return {
            "rows": self.rows,
            "changed": self.changed,
            "absent": self.absent,
            "absent_with_sales": self.absent_with_sales,
            "sold_online": row.sold_online,
            "sales_round": str(row.sales_round),
            "sales_baseline": str(row.sales_baseline),
            "target": row.target,
            "achievement_pct": _str_or_none(row.achievement_pct),
            "sales_growth_pct": _str_or_none(row.sales_growth_pct),
            "notices": [str(n) for n in self.notices],
            "warnings": self.warnings,
            # The preview page is drawn from the upload's summary (also when reopened).
            "flags": [{**asdict(f), "message": str(f.message)} for f in self.flags],
            "blockers": self.blockers,
        }


def report_import(
    *,
    round: Round,
    district: District,
    file,
    name: str = "",
    by=None,
    dry_run: bool = False,
    today: dt.date | None = None,
    allow_blank: bool = False,
) -> ReportImportResult:
    """Read an attachment-3 workbook of a district and apply it to the district's report.

    All or nothing: every row is read and checked first (ImportRefused lists every
    problem, and nothing is written); then, in one transaction, each listed product's line
    takes the file's values, and every base product absent from the file is set to no
    sales this round (officers list only the products that sold): its months, channels,
    link and note are cleared, its baseline is kept since the file says nothing about it.
    A dry run does the same inside a transaction that is rolled back, so its preview
    figures come from the real KPI selector.
    """
    reading = read_report(file, round=round, name=name)
    problems = ProblemCollector(sheet=reading.sheet)
    problems.problems.extend(reading.problems)
    notices = list(reading.notices)

    with transaction.atomic():
        report = report_get_or_start(round=round, district=district, by=by)
        reason = report.lock_reason(by, today)
        if reason:
            raise WorkflowError(reason)
        lines = {
            line.product_id: line
            for line in ReportLine.objects.filter(report=report).select_related("product")
        }
        matched = match_rows(reading.rows, round=round, district=district, collector=problems)
        if problems.problems:
            raise ImportRefused(
                problems.problems,
                rows=len(reading.rows),
                registry=registry_label(round=round),
            )
        blank_refuse(blank=reading.blank, allow_blank=allow_blank)
        notices.extend(problems.notices)

        now = timezone.now()
        months = len(round.months())
        listed: set[int] = set()
        changed: list[ReportLine] = []
        for row in matched:
            line = lines[row.product_id]
            listed.add(row.product_id)
            values = row.values(months)
            if values["sales_baseline"] != line.sales_baseline:
                values["baseline_source"] = (
                    BaselineSource.IMPORTED if values["sales_baseline"] is not None else ""
                )
            if _apply(line, values):
                line.version += 1
                line.answered_at, line.answered_by = now, by
                changed.append(line)
        base_ids = set(
            Product.objects.base(round, district=district.pk).values_list("id", flat=True)
        )
        absent = [line for pid, line in lines.items() if pid in base_ids and pid not in listed]
        absent_with_sales = sorted(line.product.name for line in absent if line.sales_total > 0)
        empty = {
            "facebook": False,
            "line": False,
            "shopee": False,
            "lazada": False,
            "otop_today": False,
            "other_channel": "",
            "url": "",
            "note": "",
            **{m: Decimal("0.00") for m in MONTH_FIELDS},
        }
        for line in absent:
            if _apply(line, empty):
                line.version += 1
                line.answered_at, line.answered_by = now, by
                changed.append(line)
        if changed:
            bulk_update_with_history(
                changed,
                ReportLine,
                [*LINE_FIELDS, "baseline_source", "version", "answered_at", "answered_by"],
                batch_size=500,
                default_user=by,
                default_change_reason=change_reason_import(name),
            )
            Report.objects.filter(pk=report.pk).update(updated_at=now)
        warnings = []
        if absent:
            warnings.append(str(MSG_ABSENT_BECOMES_ZERO % {"count": len(absent)}))
        if absent_with_sales:
            shown = ", ".join(absent_with_sales[:10]) + (
                " …" if len(absent_with_sales) > 10 else ""
            )
            warnings.append(
                str(MSG_ABSENT_HAD_SALES % {"count": len(absent_with_sales), "names": shown})
            )
        totals_changed(round_ids=[round.pk], districts=[district.code])
        kpi = kpi_for_districts(round=round, districts=District.objects.filter(code=district.code))
        # Plausibility (issue #18): the figures that look wrong once the file is applied,
        # each named by its row in the file (None: a line the file does not list).
        file_rows = {lines[row.product_id].pk: row.row for row in matched}
        # As the totals refreshed just above keep them: no second check of every line.
        flags = district_flags(round=round, district=district)
        for flag in flags:
            flag.line = file_rows.get(flag.line_id)
        blockers = report_submit_blockers(report=report, file_rows=file_rows)
        if dry_run:
            transaction.set_rollback(True)
    return ReportImportResult(
        round=round,
        district=district,
        rows=len(matched),
        changed=len(changed),
        absent=len(absent),
        absent_with_sales=absent_with_sales,
        notices=notices,
        kpi=kpi,
        dry_run=dry_run,
        warnings=warnings,
        flags=flags,
        blank=reading.blank,
        blockers=blockers,
    )


def _str_or_none(value) -> str | None:
    return None if value is None else str(value)


def _apply(line: ReportLine, values: dict) -> bool:
    """Set values on a line; True when anything changed."""
    changed = False
    for name, value in values.items():
        if getattr(line, name) != value:
            setattr(line, name, value)
            changed = True
    return changed


# ---------------------------------------------------------------------------
# Uploads: preview, then commit
# ---------------------------------------------------------------------------

MSG_UPLOAD_STALE = _(
    "แบบรายงานในระบบเปลี่ยนไปหลังจากแสดงตัวอย่าง (มีผู้บันทึกเพิ่ม) กรุณาอัปโหลดไฟล์อีกครั้งเพื่อดูตัวอย่างใหม่"
)


class ReportUploadFlow(UploadFlow):
    """The report's uploads: attachment 3 read and applied to the report."""

    form_model, stale_message = Report, MSG_UPLOAD_STALE

    def run(self, *, form, kept=None, **kwargs) -> ReportImportResult:
        # A report's preview keeps nothing of its reading (kept_read): its commit reads
        # the file again.
        return report_import(round=form.round, district=form.district, **kwargs)


report_uploads = ReportUploadFlow()


# ---------------------------------------------------------------------------
# The maintained totals (issue #19)
# ---------------------------------------------------------------------------

#: Every field of a totals row that the recomputation stores.
STORED_FIELDS = [
    *TOTALS_FIELDS,
    "flagged_lines",
    "flags",
    "report_lines",
    "report_answered",
    *SURVEY_COUNT_FIELDS.values(),
]


def _survey_counts(round: Round, codes: list[str]) -> dict[str, dict]:
    """The totals' survey fields of these districts, by code (two queries)."""
    return {
        code: {SURVEY_COUNT_FIELDS[name]: value for name, value in counts.items()}
        for code, counts in survey_answer_counts(round=round, codes=codes).items()
    }


def district_totals_compute(*, round: Round, districts: QuerySet[District]) -> list[DistrictTotals]:
    """The totals rows of these districts as the KPI selectors sum them now (unsaved).

    The same selectors as a page that reads live (kpi_rows_live, report_progress,
    survey_answer_counts) and the plausibility checks (flags_for_districts): a fixed
    number of queries whatever the number of districts."""
    rows = kpi_rows_live(round=round, districts=districts)
    codes = [row.code for row in rows]
    flags = flags_for_districts(round=round, districts=districts)
    flagged = flagged_lines_by_district(flags)
    stored: dict[str, list[dict]] = defaultdict(list)
    for f in flags:
        stored[f.district].append(f.stored())
    progress = report_progress_by_district(round=round, codes=codes)
    surveys = _survey_counts(round, codes)
    return [
        DistrictTotals(
            round=round,
            district_id=row.code,
            flagged_lines=flagged.get(row.code, 0),
            flags=stored.get(row.code, []),
            stamp=uuid4().hex,
            report_lines=progress[row.code].lines,
            report_answered=progress[row.code].answered,
            **surveys[row.code],
            **{name: getattr(row, name) for name in TOTALS_FIELDS},
        )
        for row in rows
    ]


def district_totals_refresh(*, round: Round, districts: QuerySet[District] | None = None) -> int:
    """Recompute and store the totals rows of these districts (every district when None)
    in the round; returns how many rows were written.

    Every writing service calls it inside its own transaction (through
    otop_portal.totals.totals_changed), so the pages that read the rows
    (reports.selectors.kpi_for_province, kpi_for_country) show a figure the moment it
    is saved, and a write that rolls back takes its totals with it."""
    every = districts is None
    if every:
        districts = District.objects.all()
    codes = list(districts.order_by("code").values_list("code", flat=True))
    with transaction.atomic():
        # Lock the rows first (making any that are missing), then sum: of two writes
        # in one district at once, the second waits here until the first commits, and
        # its sums then see the first's rows (PostgreSQL reads what was committed
        # before each statement), so the row it stores is never the older figure.
        DistrictTotals.objects.bulk_create(
            [DistrictTotals(round=round, district_id=code) for code in codes],
            batch_size=1000,
            ignore_conflicts=True,
        )
        locked = DistrictTotals.objects.select_for_update().filter(round=round)
        if not every:
            locked = locked.filter(district_id__in=codes)
        list(locked.order_by("district_id").values_list("pk", flat=True))
        objs = district_totals_compute(
            round=round, districts=districts if every else District.objects.filter(code__in=codes)
        )
        DistrictTotals.objects.bulk_create(
            objs,
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["round", "district"],
            update_fields=[*STORED_FIELDS, "stamp"],
        )
    return len(objs)


def rounds_affected(round_ids: list[int] | None) -> list[Round]:
    """The rounds whose totals a write to these rounds changes: themselves, and the same
    round of the fiscal year after, whose baseline and year-on-year flags read them."""
    if round_ids is None:
        return list(Round.objects.order_by("fiscal_year_id", "number"))
    rounds = list(Round.objects.filter(pk__in=round_ids))
    later = Q(pk__in=[])
    for r in rounds:
        later |= Q(fiscal_year_id=r.fiscal_year_id + 1, number=r.number)
    rounds += list(Round.objects.filter(later).exclude(pk__in=round_ids))
    return sorted(rounds, key=lambda r: (r.fiscal_year_id, r.number))


def district_totals_changed(
    *,
    round_ids: list[int] | None,
    districts: list[str] | None,
    only: str | None = None,
    survey_counts_change: dict | None = None,
) -> None:
    """otop_portal.totals' refresher: recompute the rows a write changed (reports.apps
    registers it). A form's status (`only`) is its own round's alone."""
    scope = None if districts is None else District.objects.filter(code__in=districts)
    if only is not None and round_ids is not None and districts is not None:
        # By the round's id: a form's status needs no more of its round, and an answer
        # saved reads no round again (issue #19).
        for round_id in round_ids:
            district_totals_refresh_status(
                round_id=round_id, codes=districts, kind=only, counts_change=survey_counts_change
            )
        return
    for round in rounds_affected(round_ids):
        district_totals_refresh(round=round, districts=scope)


#: The figures of the totals that each form's row gives (reports.selectors.form_statuses).
STATUS_TOTALS = {
    "survey": ("survey_status", "survey_late", "survey_updated_at"),
    "report": ("report_status", "report_late", "report_updated_at"),
}


def district_totals_refresh_status(
    *, round_id: int, codes: list[str], kind: str, counts_change: dict | None = None
) -> None:
    """Store again only what one form (`kind`: "survey" or "report") changes in these
    districts' totals when nothing else changed (an answer saved, a form submitted): its
    status, lateness and last change, and for the survey its answer counts. Three
    queries (five for the survey); the whole recomputation when a district has no
    totals row yet.

    `counts_change` (one district's): what the write added to the survey's answer
    counts, added to the stored counts in one UPDATE (_survey_counts_add) instead of
    counting the district's answers again. The counts are counted when the row holds
    none (a row from before the counts were kept).

    The round is read only when the rows are counted or recomputed. Called inside the
    write's transaction, it makes no savepoint of its own: a failure here fails the
    write."""
    fields = STATUS_TOTALS[kind]
    counted = list(SURVEY_COUNT_FIELDS.values()) if kind == "survey" else []
    if counted and counts_change is not None and len(set(codes)) == 1:
        if _survey_counts_add(round_id=round_id, code=codes[0], change=counts_change):
            return
    with transaction.atomic(savepoint=False):
        locked = list(
            DistrictTotals.objects.select_for_update()
            .filter(round_id=round_id, district_id__in=codes)
            .only("district", *fields, *counted)
            .order_by("district_id")
        )
        if len(locked) < len(set(codes)):
            district_totals_refresh(
                round=Round.objects.get(pk=round_id),
                districts=District.objects.filter(code__in=codes),
            )
            return
        statuses = form_statuses(kind, round=round_id, codes=codes)
        # The survey's counts reach here only when they must be counted (above, a
        # write's own change is added when the row holds counts).
        counts = _survey_counts(Round.objects.get(pk=round_id), codes) if counted else {}
        for t in locked:
            row = statuses.get(t.district_id, {})
            setattr(t, fields[0], row.get("status", Status.NOT_STARTED.value))
            setattr(t, fields[1], row.get("late", False))
            setattr(t, fields[2], row.get("updated_at"))
            for name, value in counts.get(t.district_id, {}).items():
                setattr(t, name, value)
        if len(locked) == 1:
            # One district (an answer saved, a form submitted): a plain update. Django
            # builds bulk_update's CASE per field in 3 ms, the update in under 1.
            (t,) = locked
            DistrictTotals.objects.filter(pk=t.pk).update(
                **{name: getattr(t, name) for name in (*fields, *counted)}
            )
        else:
            DistrictTotals.objects.bulk_update(locked, [*fields, *counted])


def _survey_counts_add(*, round_id: int, code: str, change: dict) -> bool:
    """One district's survey totals after a write that knows what it added to the
    answer counts (an answer saved, an upload committed), in one UPDATE (issue #19; it
    was three queries): the survey's status, lateness and last change read from its row,
    the counts plus `change`. False, with nothing written, when the district has no
    totals row or its row holds no counts (then they are counted).

    The writer holds the survey's row locked, so its status cannot change meanwhile;
    the database adds the counts under the totals row's lock. The statement is written
    in SQL: built by the ORM, its three subqueries cost a save more Python than the two
    queries it saves."""
    totals, survey = DistrictTotals._meta, Survey._meta
    name = connection.ops.quote_name

    def column(meta, field: str) -> str:
        return name(meta.get_field(field).column)

    def of_survey(field: str) -> str:
        return (
            f"(SELECT {column(survey, field)} FROM {name(survey.db_table)}"
            f" WHERE {column(survey, 'round')} = %s AND {column(survey, 'district')} = %s)"
        )

    added = [(field, change[key]) for key, field in SURVEY_COUNT_FIELDS.items() if change.get(key)]
    sets = [
        f"{column(totals, 'survey_status')} = COALESCE({of_survey('status')}, %s)",
        f"{column(totals, 'survey_late')} = COALESCE({of_survey('late')}, %s)",
        f"{column(totals, 'survey_updated_at')} = {of_survey('updated_at')}",
        *(f"{column(totals, field)} = {column(totals, field)} + %s" for field, _n in added),
    ]
    where = [
        f"{column(totals, 'round')} = %s",
        f"{column(totals, 'district')} = %s",
        *(f"{column(totals, field)} IS NOT NULL" for field in SURVEY_COUNT_FIELDS.values()),
    ]
    params = [round_id, code, Status.NOT_STARTED.value, round_id, code, False, round_id, code]
    params += [amount for _field, amount in added] + [round_id, code]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {name(totals.db_table)} SET {', '.join(sets)} WHERE {' AND '.join(where)}",
            params,
        )
        return cursor.rowcount > 0


@dataclass
class TotalsRebuild:
    """What rebuilding one round's totals found: rows recomputed, and how many of them
    were missing or differed from the stored ones (0 when the totals were current)."""

    round: Round
    rows: int
    missing: int
    differing: int
    dry_run: bool


def _totals_values(t: DistrictTotals) -> tuple:
    return tuple(getattr(t, name) for name in STORED_FIELDS)


def district_totals_rebuild(
    *, round: Round | None = None, dry_run: bool = False
) -> list[TotalsRebuild]:
    """Recompute every district's totals of a round (every round when None) from the
    KPI selectors, say how many stored rows were missing or differed, and store them
    unless `dry_run` (manage.py rebuild_totals)."""
    rounds = [round] if round is not None else rounds_affected(None)
    out = []
    for r in rounds:
        with transaction.atomic():
            fresh = district_totals_compute(round=r, districts=District.objects.all())
            stored = {t.district_id: t for t in DistrictTotals.objects.filter(round=r)}
            missing = sum(1 for t in fresh if t.district_id not in stored)
            differing = sum(
                1
                for t in fresh
                if t.district_id in stored
                and _totals_values(t) != _totals_values(stored[t.district_id])
            )
            if not dry_run:
                district_totals_refresh(round=r)
        out.append(TotalsRebuild(r, len(fresh), missing, differing, dry_run))
    return out
