"""Reads of the dashboards: the province, district and country pages and the review desk.

Every KPI figure comes from reports.selectors (kpi_for_*), every readiness figure from
surveys.selectors; nothing here counts products or sales again. What is added here is
what only the dashboard needs: deadlines, reporting rates, sorting and filters, the
history of submissions and the submissions waiting for review.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dashboards.models import ReminderKind
from districts.models import District, Province, User
from otop_portal.dates import be_date
from otop_portal.prepared import PreparedQuery
from otop_portal.workflow import (
    MSG_HISTORY_EXCEPTION,
    Status,
    change_reason_parse,
    who_label,
)
from products.selectors import round_a_year_earlier
from reports.models import Report
from reports.selectors import (
    kpi_for_country,
    kpi_for_district,
    kpi_for_districts,
    kpi_for_province,
    percent,
    report_for,
    survey_counts_of,
    survey_counts_stored,
)
from surveys.models import Survey
from surveys.selectors import (
    DistrictReadiness,
    survey_for,
    survey_readiness_for_districts,
    survey_readiness_of,
)

#: States in which a form counts as submitted for the reporting rates (DHIS2's
#: "completed"): waiting for review or approved. A returned form is back with the district.
SUBMITTED_STATES = frozenset({Status.SUBMITTED.value, Status.APPROVED.value})
#: States in which an officer still has to act (what the reminders are about).
OPEN_STATES = frozenset({Status.NOT_STARTED.value, Status.DRAFT.value, Status.RETURNED.value})


@dataclass
class Deadline:
    """A round's deadline for one form, seen from `today`."""

    kind: str  # ReminderKind: "survey" or "report"
    date: dt.date
    today: dt.date

    @property
    def label(self) -> str:
        return str(ReminderKind(self.kind).label)

    @property
    def days_left(self) -> int:
        """Days until the deadline: 0 on the day, negative once it has passed."""
        return (self.date - self.today).days

    @property
    def is_past(self) -> bool:
        return self.days_left < 0


def round_deadlines(round, *, today: dt.date | None = None) -> list[Deadline]:
    today = today or timezone.localdate()
    return [
        Deadline(ReminderKind.SURVEY.value, round.survey_deadline, today),
        Deadline(ReminderKind.REPORT.value, round.report_deadline, today),
    ]


def next_deadline(deadlines: list[Deadline]) -> Deadline:
    """The first deadline not yet passed or, when all have passed, the last one."""
    ahead = [d for d in deadlines if not d.is_past]
    if ahead:
        return min(ahead, key=lambda d: d.date)
    return max(deadlines, key=lambda d: d.date)


@dataclass
class Rate:
    """done out of expected, as reporting rates are shown (DHIS2 style)."""

    done: int
    expected: int

    @property
    def pct(self):
        return percent(self.done, self.expected)


@dataclass
class ReportingRates:
    expected: int
    surveys_submitted: Rate
    surveys_on_time: Rate | None
    surveys_approved: Rate
    reports_submitted: Rate
    reports_on_time: Rate | None
    reports_approved: Rate


def reporting_rates(rows) -> ReportingRates:
    """Reporting rates over district KPI rows: every district is expected to send both
    forms; a form counts once submitted or approved, and on time when it was not
    submitted after its deadline."""
    expected = len(rows)

    def count(status_attr: str, late_attr: str | None = None, states=SUBMITTED_STATES) -> Rate:
        done = sum(
            1
            for r in rows
            if getattr(r, status_attr) in states and not (late_attr and getattr(r, late_attr))
        )
        return Rate(done, expected)

    approved = frozenset({Status.APPROVED.value})
    return ReportingRates(
        expected=expected,
        surveys_submitted=count("survey_status"),
        surveys_on_time=count("survey_status", "survey_late"),
        surveys_approved=count("survey_status", states=approved),
        reports_submitted=count("report_status"),
        reports_on_time=count("report_status", "report_late"),
        reports_approved=count("report_status", states=approved),
    )


def province_reporting_rates(row) -> ReportingRates:
    """Reporting rates of an aggregated (province) KPI row, from its status counts.

    An aggregated row keeps how many districts are in each status but not which of them
    were late, so the on-time rates are None here (the country page leaves them out).
    """
    expected = row.districts

    def done(counts: dict[str, int], states) -> Rate:
        return Rate(sum(n for status, n in counts.items() if status in states), expected)

    approved = frozenset({Status.APPROVED.value})
    survey_counts = row.survey_status_counts or {row.survey_status: row.districts}
    report_counts = row.report_status_counts or {row.report_status: row.districts}
    return ReportingRates(
        expected=expected,
        surveys_submitted=done(survey_counts, SUBMITTED_STATES),
        surveys_on_time=None,
        surveys_approved=done(survey_counts, approved),
        reports_submitted=done(report_counts, SUBMITTED_STATES),
        reports_on_time=None,
        reports_approved=done(report_counts, approved),
    )


READINESS_LABELS = {
    "trained": _("ผ่านการอบรมตลาดออนไลน์"),
    "selling": _("ขายของออนไลน์อยู่แล้ว"),
    "standard": _("ได้รับมาตรฐานที่เกี่ยวเนื่อง"),
    "products_ready": _("ผลิตภัณฑ์พร้อมเข้าสู่ออนไลน์"),
}


def readiness_shares(r: DistrictReadiness) -> list[tuple[str, int, int, object]]:
    """(label, count, out of, percent) for the readiness chart: entrepreneurs trained,
    selling and holding a standard out of those who answered, products ready out of
    the products answered."""
    return [
        (
            str(READINESS_LABELS["trained"]),
            r.trained,
            r.entrepreneurs_answered,
            percent(r.trained, r.entrepreneurs_answered),
        ),
        (
            str(READINESS_LABELS["selling"]),
            r.selling,
            r.entrepreneurs_answered,
            percent(r.selling, r.entrepreneurs_answered),
        ),
        (
            str(READINESS_LABELS["standard"]),
            r.standard,
            r.entrepreneurs_answered,
            percent(r.standard, r.entrepreneurs_answered),
        ),
        (
            str(READINESS_LABELS["products_ready"]),
            r.products_ready,
            r.products_answered,
            percent(r.products_ready, r.products_answered),
        ),
    ]


def _readiness(*, round, districts, today: dt.date | None = None, kpi_rows=None):
    """The survey selector's readiness per district (by code) and their total.

    With the KPI's district rows, the base is not counted a second time, and the
    answers' counts come from the maintained totals (issue #19) when they have them."""
    base_counts = answer_counts = None
    if kpi_rows is not None:
        base_counts = {r.code: (r.entrepreneurs, r.products) for r in kpi_rows}
        answer_counts = survey_counts_stored(round=round, codes=list(base_counts))
    rows = survey_readiness_for_districts(
        round=round,
        districts=districts,
        today=today,
        base_counts=base_counts,
        answer_counts=answer_counts,
    )
    total = DistrictReadiness(code="", name=str(_("รวม")))
    for name in (
        "entrepreneurs",
        "products",
        "entrepreneurs_answered",
        "products_answered",
        "trained",
        "selling",
        "standard",
        "products_ready",
        "sales_prev",
    ):
        setattr(total, name, sum((getattr(r, name) for r in rows), getattr(total, name)))
    return {r.code: r for r in rows}, total


@dataclass
class DashboardRow:
    """A district's KPI row with what the dashboard adds: readiness, and whether each
    form is overdue (still open with its deadline passed)."""

    kpi: object  # reports.selectors.KpiRow
    readiness: object | None
    survey_overdue: bool
    report_overdue: bool
    flagged_lines: int = 0  # report lines whose figures look wrong (reports.plausibility)

    @property
    def code(self) -> str:
        return self.kpi.code

    @property
    def behind(self) -> bool:
        return not self.kpi.target_met

    @property
    def late(self) -> bool:
        """Late in any way: a form sent after its deadline, or not sent and overdue."""
        k = self.kpi
        return k.survey_late or k.report_late or self.survey_overdue or self.report_overdue

    @property
    def waiting(self) -> bool:
        """A form of the district waits for the province's review."""
        return Status.SUBMITTED.value in (self.kpi.survey_status, self.kpi.report_status)


def dashboard_rows(kpi_rows, readiness: dict, deadlines: list[Deadline]) -> list[DashboardRow]:
    past = {d.kind: d.is_past for d in deadlines}
    return [
        DashboardRow(
            kpi=row,
            readiness=readiness.get(row.code),
            survey_overdue=past[ReminderKind.SURVEY] and row.survey_status in OPEN_STATES,
            report_overdue=past[ReminderKind.REPORT] and row.report_status in OPEN_STATES,
        )
        for row in kpi_rows
    ]


def sort_and_filter(rows: list[DashboardRow], *, sort: str = "code", show: str = "all"):
    """The table's order and filter, from the page's GET parameters.

    - sort "behind": districts behind their target first, the furthest behind first;
    - sort "late": late or overdue districts first, the most overdue forms first;
    - show "behind" / "late" / "waiting" keeps only those districts.
    """
    if show == "behind":
        rows = [r for r in rows if r.behind]
    elif show == "late":
        rows = [r for r in rows if r.late]
    elif show == "waiting":
        rows = [r for r in rows if r.waiting]
    if sort == "behind":
        rows = sorted(
            rows,
            key=lambda r: (
                not r.behind,
                r.kpi.achievement_pct if r.kpi.achievement_pct is not None else 0,
                r.code,
            ),
        )
    elif sort == "late":
        rows = sorted(
            rows,
            key=lambda r: (
                not r.late,
                -(r.survey_overdue + r.report_overdue + r.kpi.survey_late + r.kpi.report_late),
                r.code,
            ),
        )
    else:
        rows = sorted(rows, key=lambda r: r.code)
    return rows


@dataclass
class ProvinceDashboard:
    round: object
    province: Province
    kpi: object  # reports.selectors.Kpi
    rows: list[DashboardRow]  # sorted and filtered for the table
    all_rows: list[DashboardRow]
    readiness_total: object | None
    deadlines: list[Deadline]
    next_deadline: Deadline
    rates: ReportingRates
    sort: str
    show: str
    #: The KPI of the same round a year earlier, or None (year_over_year).
    last_year: object | None = None

    @property
    def total(self):
        return self.kpi.total

    @property
    def year_over_year(self) -> list[YearOverYear]:
        return year_over_year(self.kpi, self.last_year)

    @property
    def rate_rows(self) -> list[tuple]:
        """(form label, submitted, on time, approved, deadline) for each form."""
        return _rate_rows(self.rates, self.deadlines)

    @property
    def waiting(self) -> int:
        """How many forms of the province wait for its review."""
        submitted = Status.SUBMITTED.value
        return sum(
            (r.kpi.survey_status == submitted) + (r.kpi.report_status == submitted)
            for r in self.all_rows
        )


def _rate_rows(rates: ReportingRates, deadlines: list[Deadline]) -> list[tuple]:
    by_kind = {d.kind: d for d in deadlines}
    survey, report = by_kind[ReminderKind.SURVEY.value], by_kind[ReminderKind.REPORT.value]
    return [
        (
            survey.label,
            rates.surveys_submitted,
            rates.surveys_on_time,
            rates.surveys_approved,
            survey,
        ),
        (
            report.label,
            rates.reports_submitted,
            rates.reports_on_time,
            rates.reports_approved,
            report,
        ),
    ]


def province_dashboard(
    *,
    round,
    province: Province,
    today: dt.date | None = None,
    sort: str = "code",
    show: str = "all",
) -> ProvinceDashboard:
    """Everything the province page shows, in a fixed number of queries: the KPI
    selector's and the readiness selector's, and none per district."""
    deadlines = round_deadlines(round, today=today)
    kpi = kpi_for_province(round=round, province=province)
    last_round = round_a_year_earlier(round=round)
    last_year = kpi_for_province(round=last_round, province=province) if last_round else None
    readiness, readiness_total = _readiness(
        round=round,
        districts=District.objects.filter(province=province),
        today=today,
        kpi_rows=kpi.rows,
    )
    rows = dashboard_rows(kpi.rows, readiness, deadlines)
    return ProvinceDashboard(
        round=round,
        province=province,
        kpi=kpi,
        rows=sort_and_filter(rows, sort=sort, show=show),
        all_rows=rows,
        readiness_total=readiness_total,
        deadlines=deadlines,
        next_deadline=next_deadline(deadlines),
        rates=reporting_rates(kpi.rows),
        sort=sort,
        show=show,
        last_year=last_year,
    )


@dataclass
class YearOverYear:
    """A row of the KPI (a district, or the total) beside the same row a year earlier."""

    this: object  # reports.selectors.KpiRow
    last: object | None


def year_over_year(kpi, last_year) -> list[YearOverYear]:
    """Each district of `kpi` and its total beside last year's, or [] with no last year."""
    if last_year is None:
        return []
    last = {r.code: r for r in last_year.rows}
    pairs = [YearOverYear(r, last.get(r.code)) for r in kpi.rows]
    return [*pairs, YearOverYear(kpi.total, last_year.total)]


@dataclass
class HistoryEvent:
    """One step of a form's workflow, from its simple_history record."""

    kind: str  # "survey" or "report"
    when: dt.datetime
    who: object | None
    status: str
    #: "created", "submitted", "returned", "reopened", "approved", "exception", "changed"
    action: str
    reason: str
    late: bool

    @property
    def kind_label(self) -> str:
        return str(ReminderKind(self.kind).label)

    @property
    def status_label(self) -> str:
        return str(Status(self.status).label) if self.status in Status.values else self.status

    @property
    def action_label(self) -> str:
        return str(HISTORY_ACTIONS.get(self.action, self.action))


HISTORY_ACTIONS = {
    "created": _("เริ่มทำแบบ"),
    "submitted": _("ส่งให้จังหวัด"),
    "returned": _("จังหวัดส่งคืนให้แก้ไข"),
    "reopened": _("จังหวัดเปิดให้แก้ไขอีกครั้งหลังอนุมัติ"),
    "approved": _("จังหวัดอนุมัติ"),
    "exception": _("จังหวัดขยายเวลาส่ง"),
    "changed": _("เปลี่ยนสถานะ"),
}


def _action(record, previous) -> str | None:
    """What a history record did, or None for a save that changed no state (answers
    being typed into a draft are not workflow steps)."""
    action = change_reason_parse(record.history_change_reason).action
    if action in ("submitted", "returned", "reopened", "approved", "exception"):
        return action
    if record.history_type == "+":
        return "created"
    if previous is not None and previous.status != record.status:
        return "changed"
    return None


def _history_who_id(action: str, record) -> int | None:
    """Who acted (their id): the user of the request that saved the record
    (simple_history's middleware), or, for a step taken outside a request (a command),
    the user the workflow service stored on the form."""
    if record.history_user_id is not None:
        return record.history_user_id
    if action == "submitted":
        return record.submitted_by_id
    if action in ("returned", "reopened", "approved"):
        return record.reviewed_by_id
    return None


def _history_reason(action: str, record) -> str:
    if action in ("returned", "reopened"):
        return record.return_reason
    if action == "exception" and record.unlocked_until:
        return MSG_HISTORY_EXCEPTION % {"date": be_date(record.unlocked_until)}
    return ""


@cache
def _history_of(model) -> PreparedQuery:
    """A district's history records of `model` (the survey or the report) in a round,
    oldest first: submission_history's query, compiled once (otop_portal.prepared)."""
    return PreparedQuery(
        lambda round_id, district_id: model.history.model.objects.filter(
            round_id=round_id, district_id=district_id
        ).order_by("history_date", "history_id"),
        round_id=int,
        district_id=str,
    )


def submission_history(*, round, district: District) -> list[HistoryEvent]:
    """The submissions and reviews of a district's survey and report, newest first.

    Two queries (one per form's history table), and a third for the users who acted
    when there is any event. (Joining the three users in each query cost more to build
    than the queries took: 3.5 ms of a district page with no history, issue #19.)
    """
    found = []
    for kind, model in ((ReminderKind.SURVEY.value, Survey), (ReminderKind.REPORT.value, Report)):
        records = _history_of(model).all(round_id=round.pk, district_id=district.code)
        previous = None
        for record in records:
            action = _action(record, previous)
            previous = record
            if action is not None:
                found.append((kind, action, record, _history_who_id(action, record)))
    if not found:
        return []
    users = User.objects.in_bulk({who for *_rest, who in found if who is not None})
    events = [
        HistoryEvent(
            kind=kind,
            when=record.history_date,
            who=users.get(who),
            status=record.status,
            action=action,
            reason=_history_reason(action, record),
            late=bool(record.late) and action == "submitted",
        )
        for kind, action, record, who in found
    ]
    events.sort(key=lambda e: e.when, reverse=True)
    return events


@dataclass
class DistrictDashboard:
    round: object
    district: District
    kpi: object  # reports.selectors.Kpi of one district
    row: DashboardRow
    deadlines: list[Deadline]
    next_deadline: Deadline
    survey: object | None
    report: object | None
    history: list[HistoryEvent]
    #: The district's KPI in the same round a year earlier, or None.
    last_year: object | None = None

    @property
    def rows(self) -> list[DashboardRow]:
        return [self.row]

    @property
    def year_over_year(self) -> list[YearOverYear]:
        if self.last_year is None:
            return []
        return [YearOverYear(self.kpi.rows[0], self.last_year.rows[0])]

    @property
    def returned(self) -> list[Returned]:
        """The district's forms sent back by the province, with their reasons."""
        out = []
        for kind, submission in (
            (ReminderKind.SURVEY.value, self.survey),
            (ReminderKind.REPORT.value, self.report),
        ):
            if submission is None or submission.status != Status.RETURNED:
                continue
            reviewer = submission.reviewed_by
            out.append(
                Returned(
                    label=str(ReminderKind(kind).label),
                    reason=submission.return_reason,
                    who=who_label(reviewer) if reviewer else "",
                    when=submission.reviewed_at,
                )
            )
        return out


@dataclass
class Returned:
    label: str
    reason: str
    who: str
    when: dt.datetime | None


def district_dashboard(
    *, round, district: District, today: dt.date | None = None
) -> DistrictDashboard:
    deadlines = round_deadlines(round, today=today)
    kpi, totals = kpi_for_district(round=round, district=district)
    # Who returned a form is read only for a returned form (DistrictDashboard.returned).
    survey = survey_for(round=round, district=district)
    # The survey and the base counts are read already, the answers' counts are in the
    # totals row (issue #19): no query for the readiness (two that count the answers
    # for a row from before the totals kept them).
    readiness = survey_readiness_of(
        round=round,
        district=district,
        survey=survey,
        base_counts=(kpi.rows[0].entrepreneurs, kpi.rows[0].products),
        answer_counts=survey_counts_of(totals),
        today=today,
    )
    (row,) = dashboard_rows(kpi.rows, {district.code: readiness}, deadlines)
    last_round = round_a_year_earlier(round=round)
    return DistrictDashboard(
        round=round,
        district=district,
        kpi=kpi,
        row=row,
        deadlines=deadlines,
        next_deadline=next_deadline(deadlines),
        survey=survey,
        report=report_for(round=round, district=district),
        history=submission_history(round=round, district=district),
        last_year=kpi_for_district(round=last_round, district=district)[0] if last_round else None,
    )


@dataclass
class CountryDashboard:
    round: object
    kpi: object  # reports.selectors.Kpi with one row per province
    rates: list[tuple[object, ReportingRates]]  # (province row, its rates)
    total_rates: ReportingRates
    deadlines: list[Deadline]
    next_deadline: Deadline


def country_dashboard(*, round, today: dt.date | None = None) -> CountryDashboard:
    deadlines = round_deadlines(round, today=today)
    kpi = kpi_for_country(round=round)
    return CountryDashboard(
        round=round,
        kpi=kpi,
        rates=[(row, province_reporting_rates(row)) for row in kpi.rows],
        total_rates=province_reporting_rates(kpi.total),
        deadlines=deadlines,
        next_deadline=next_deadline(deadlines),
    )


@dataclass
class WaitingItem:
    """A submitted form waiting for the province's review."""

    kind: str
    submission: object  # a Survey or a Report
    flags: list = field(default_factory=list)  # a report's reports.plausibility flags
    #: The figures staff approve (review_figures_attach): a report's KPI row
    #: (reports.selectors.KpiRow), a survey's readiness (DistrictReadiness).
    kpi: object = None
    readiness: object = None

    @property
    def key(self) -> str:
        """How the review desk's checkboxes name the item: "survey:5601"."""
        return f"{self.kind}:{self.submission.district_id}"

    @property
    def kind_label(self) -> str:
        return str(ReminderKind(self.kind).label)


def review_queue(*, round, province: Province, user) -> list[WaitingItem]:
    """The surveys and reports of the province submitted and waiting, that `user` may
    see, oldest submission first. Two queries."""
    items = []
    for kind, model in ((ReminderKind.SURVEY.value, Survey), (ReminderKind.REPORT.value, Report)):
        qs = (
            model.objects.visible_to(user)
            .filter(round=round, district__province=province, status=Status.SUBMITTED)
            .select_related("district", "submitted_by", "round", "round__fiscal_year")
        )
        items += [WaitingItem(kind, s) for s in qs]
    items.sort(
        key=lambda i: (
            i.submission.submitted_at is None,
            i.submission.submitted_at.timestamp() if i.submission.submitted_at else 0,
            i.kind,
            i.submission.district_id,
        )
    )
    return items


def review_items_get(*, round, province: Province, user, keys: list[str]) -> list[WaitingItem]:
    """The forms named by the review desk's keys ("survey:5601"), fetched through
    visible_to and the province, whatever their state (the workflow service says
    whether it can act on them). Unknown or invisible keys are left out."""
    wanted: dict[str, set[str]] = {
        ReminderKind.SURVEY.value: set(),
        ReminderKind.REPORT.value: set(),
    }
    for key in keys:
        kind, _sep, code = key.partition(":")
        if kind in wanted and code.isdigit():
            wanted[kind].add(code)
    items = []
    for kind, model in ((ReminderKind.SURVEY.value, Survey), (ReminderKind.REPORT.value, Report)):
        if not wanted[kind]:
            continue
        qs = (
            model.objects.visible_to(user)
            .filter(round=round, district__province=province, district_id__in=wanted[kind])
            .select_related("district", "round", "round__fiscal_year")
            .order_by("district_id")
        )
        items += [WaitingItem(kind, s) for s in qs]
    return items


def review_figures_attach(*, round, items: list[WaitingItem]) -> list[WaitingItem]:
    """Give each form of the review desk the figures staff approve: a report its KPI
    (sold online / target, achievement, the round's sales, growth), a survey its
    answers / base and readiness counts, from the same selectors as the dashboards.
    Eleven queries for any number of districts (six for the KPI, five for readiness)."""
    reports = [i.submission.district_id for i in items if i.kind == ReminderKind.REPORT.value]
    surveys = [i.submission.district_id for i in items if i.kind == ReminderKind.SURVEY.value]
    kpi = {}
    if reports:
        rows = kpi_for_districts(round=round, districts=District.objects.filter(code__in=reports))
        kpi = {row.code: row for row in rows.rows}
    readiness = {}
    if surveys:
        readiness = {
            r.code: r
            for r in survey_readiness_for_districts(
                round=round, districts=District.objects.filter(code__in=surveys)
            )
        }
    for item in items:
        code = item.submission.district_id
        if item.kind == ReminderKind.REPORT.value:
            item.kpi = kpi.get(code)
        else:
            item.readiness = readiness.get(code)
    return items
