"""The KPI of a round, computed in one place.

Every page, export and command that shows a KPI figure calls these selectors, so the
figures can never disagree (docs/forms.md, "The KPI"):

- sold online: distinct base products whose round total (the sum of the month columns,
  column S of attachment 3) is above zero; a product listed with no sales does not count,
  nor does a line of a product that has left the base (cancelled, outside the window,
  no longer registered);
- achievement: sold online / effective target x 100, met when sold online >= target;
- revenue growth: (round sales - baseline sales) / baseline sales x 100 against the
  round's growth rate; no baseline gives no percentage (None), never a crash.

The base counts and the targets come from products.selectors.targets_for_districts and are
never recounted here. The figures count what the districts have entered whatever the
state of their report (a draft counts too); the status columns say whether it is final.

Each selector makes a fixed number of queries whatever the number of districts or
products: the district list and base counts (3, in targets_for_districts), one aggregate
over the report lines, the reports' statuses and the surveys' statuses; the country adds
the provinces' names.
"""

from __future__ import annotations

import datetime as dt
from collections import namedtuple
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count, DecimalField, Exists, F, OuterRef, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from districts.models import District, Province, User
from otop_portal import workflow
from otop_portal.prepared import PreparedQuery
from otop_portal.workflow import Status
from products.models import Product, Round
from products.selectors import (
    DistrictTargets,
    as_held,
    base_filter_for,
    base_rows_in_order,
    targets_for_districts,
)
from products.vocab import PRODUCT_TYPE_TH
from reports.models import (
    CHANGE_REASON_FLAG_NOTE,
    MONTH_FIELDS,
    MSG_NO_CHANNEL_REASON,
    DistrictTotals,
    Report,
    ReportLine,
    ReportUpload,
    line_label,
    line_total_expression,
)
from surveys.models import EntrepreneurAnswer, Survey

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

# How far a form has come, least advanced first. An aggregated row (a province, the
# country) shows the least advanced status of its districts, so "approved" on a province
# means every one of its districts is approved.
STATUS_ORDER = [
    Status.NOT_STARTED,
    Status.DRAFT,
    Status.RETURNED,
    Status.SUBMITTED,
    Status.APPROVED,
]


def money(value) -> Decimal:
    """An amount quantized to satang."""
    return Decimal(value or 0).quantize(CENT, rounding=ROUND_HALF_UP)


def percent(numerator, denominator) -> Decimal | None:
    """numerator / denominator x 100 to 2 decimals (ROUND_HALF_UP); None when denominator is 0."""
    if not denominator:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(CENT, rounding=ROUND_HALF_UP)


def _prefixed_total(prefix: str):
    total = F(f"{prefix}{MONTH_FIELDS[0]}")
    for name in MONTH_FIELDS[1:]:
        total = total + F(f"{prefix}{name}")
    return total


@dataclass
class KpiRow:
    """The KPI of one district (or, on the country page, one province, or a total)."""

    code: str
    name: str
    name_en: str
    entrepreneurs: int
    products: int
    target_computed: int
    target_official: int | None
    target: int
    sold_online: int
    sales_round: Decimal
    sales_baseline: Decimal
    survey_status: str
    report_status: str
    survey_late: bool = False
    report_late: bool = False
    survey_updated_at: dt.datetime | None = None
    report_updated_at: dt.datetime | None = None
    growth_rate: Decimal = Decimal("10")
    #: On aggregated rows: how many districts are in each report status.
    report_status_counts: dict[str, int] = field(default_factory=dict)
    survey_status_counts: dict[str, int] = field(default_factory=dict)
    #: The number of districts behind the row (1 for a district row).
    districts: int = 1

    @property
    def achievement_pct(self) -> Decimal | None:
        return percent(self.sold_online, self.target)

    @property
    def target_met(self) -> bool:
        return self.sold_online >= self.target

    @property
    def target_difference(self) -> int | None:
        if self.target_official is None:
            return None
        return self.target_official - self.target_computed

    @property
    def sales_growth_pct(self) -> Decimal | None:
        return percent(self.sales_round - self.sales_baseline, self.sales_baseline)

    @property
    def growth_met(self) -> bool | None:
        """Met when growth >= the round's growth rate, compared exactly (not the rounded
        percentage), so 9.996 % does not pass a 10 % rule by rounding."""
        if not self.sales_baseline:
            return None
        return (
            self.sales_round - self.sales_baseline
        ) * 100 >= self.growth_rate * self.sales_baseline

    def as_json(self) -> dict:
        pct = self.achievement_pct
        growth = self.sales_growth_pct
        return {
            "code": self.code,
            "name": self.name,
            "name_en": self.name_en,
            "entrepreneurs": self.entrepreneurs,
            "products": self.products,
            "target_computed": self.target_computed,
            "target_official": self.target_official,
            "target": self.target,
            "sold_online": self.sold_online,
            "achievement_pct": float(pct) if pct is not None else None,
            "target_met": self.target_met,
            "sales_round": float(self.sales_round),
            "sales_baseline": float(self.sales_baseline),
            "sales_growth_pct": float(growth) if growth is not None else None,
            "growth_met": self.growth_met,
            "survey_status": self.survey_status,
            "report_status": self.report_status,
            "survey_late": self.survey_late,
            "report_late": self.report_late,
        }


@dataclass
class Kpi:
    round: Round
    #: The province code of a province page, None for the country or a free list.
    scope_code: str | None
    rows: list[KpiRow]
    total: KpiRow

    def as_json(self) -> dict:
        return {
            "round": self.round.code,
            "province": self.scope_code,
            "districts": [row.as_json() for row in self.rows],
            "total": self.total.as_json(),
        }


def _least_advanced(statuses: list[str]) -> str:
    if not statuses:
        return Status.NOT_STARTED.value
    return min(statuses, key=lambda s: STATUS_ORDER.index(s) if s in STATUS_ORDER else 0)


def _counts(statuses: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for s in statuses:
        out[s] = out.get(s, 0) + 1
    return out


def _max_time(values):
    values = [v for v in values if v is not None]
    return max(values) if values else None


def aggregate_rows(
    *, round: Round, code: str, name: str, name_en: str, rows: list[KpiRow]
) -> KpiRow:
    """One row for a group of rows: counts and money summed, percentages recomputed
    from the sums (never averaged), statuses the least advanced of the group.

    The official target of a group is the sum of the official targets that are set, or
    None when none is (the rule of products.selectors.targets_total, so attachment 1 and
    the KPI pages show the same total). The effective target is always the sum of the effective targets, and the computed
    target the sum of the districts' computed targets (ceil per district, as the
    department's attachment 1 does, not ceil of the group).
    """
    officials = [r.target_official for r in rows if r.target_official is not None]
    survey = [r.survey_status for r in rows]
    report = [r.report_status for r in rows]
    survey_counts: dict[str, int] = {}
    report_counts: dict[str, int] = {}
    for r in rows:
        for status, n in (r.survey_status_counts or {r.survey_status: 1}).items():
            survey_counts[status] = survey_counts.get(status, 0) + n
        for status, n in (r.report_status_counts or {r.report_status: 1}).items():
            report_counts[status] = report_counts.get(status, 0) + n
    return KpiRow(
        code=code,
        name=name,
        name_en=name_en,
        entrepreneurs=sum(r.entrepreneurs for r in rows),
        products=sum(r.products for r in rows),
        target_computed=sum(r.target_computed for r in rows),
        target_official=sum(officials) if officials else None,
        target=sum(r.target for r in rows),
        sold_online=sum(r.sold_online for r in rows),
        sales_round=money(sum((r.sales_round for r in rows), ZERO)),
        sales_baseline=money(sum((r.sales_baseline for r in rows), ZERO)),
        survey_status=_least_advanced(survey),
        report_status=_least_advanced(report),
        survey_late=any(r.survey_late for r in rows),
        report_late=any(r.report_late for r in rows),
        survey_updated_at=_max_time(r.survey_updated_at for r in rows),
        report_updated_at=_max_time(r.report_updated_at for r in rows),
        growth_rate=round.growth_rate,
        survey_status_counts=survey_counts,
        report_status_counts=report_counts,
        districts=sum(r.districts for r in rows),
    )


def _sales_by_district(round: Round, codes: list[str] | None) -> dict[str, dict]:
    """One aggregate query: sold online, round sales and baseline per district.

    "Distinct products sold" is a plain count of lines: a district has one report per
    round and a report one line per product (report_line_unique). A COUNT(DISTINCT)
    would make PostgreSQL sort every line of the country instead of hashing them
    (PERFORMANCE-NOTES.md; bench/dashboard.py measures it).

    Only lines with an amount are read: a line whose months are all zero and which has
    no baseline adds nothing to any of the three figures, and most lines are such
    until the end of a round, so the query reads and joins only the lines that count.

    The baseline is carried from last year: a base product with no line in this round
    yet (no report started, or the registry grew) counts its round total in the round
    of the fiscal year before with the same number, as its line will be prefilled
    (reports.services.baseline_prefill). Read here, never written: the KPI shows it
    as soon as the round exists. A line of this round, with the baseline the district
    typed or left, wins.
    """
    has_amount = Q(sales_baseline__isnull=False)
    for name in MONTH_FIELDS:
        has_amount |= ~Q(**{name: 0})
    this_round = Q(report__round=round)
    last_year = Q(
        report__round__fiscal_year_id=round.fiscal_year_id - 1,
        report__round__number=round.number,
    )
    carried = last_year & Q(
        ~Exists(ReportLine.objects.filter(report__round=round, product_id=OuterRef("product_id")))
    )
    lines = (
        ReportLine.objects.filter(this_round | last_year)
        .filter(has_amount)
        .filter(base_filter_for(round, "product__", F("report__district_id")))
    )
    if codes is not None:
        lines = lines.filter(report__district_id__in=codes)
    amount = DecimalField(max_digits=16, decimal_places=2)
    rows = (
        lines.alias(line_total=line_total_expression())
        .values("report__district_id")
        .annotate(
            sold=Count("id", filter=this_round & Q(line_total__gt=0)),
            sales_round=Coalesce(
                Sum("line_total", filter=this_round), Value(ZERO), output_field=amount
            ),
            sales_baseline=Coalesce(
                Sum("sales_baseline", filter=this_round), Value(ZERO), output_field=amount
            )
            + Coalesce(Sum("line_total", filter=carried), Value(ZERO), output_field=amount),
        )
        .order_by()
    )
    return {r["report__district_id"]: r for r in rows}


def form_statuses(kind: str, *, round: Round | int, codes: list[str] | None) -> dict[str, dict]:
    """The status, lateness and last change of each district's survey or report
    (`kind`), by district code: what the totals keep of the form. `round`: a round or
    its id."""
    return _statuses(Survey if kind == "survey" else Report, round, codes)


def _statuses(model, round: Round | int, codes: list[str] | None) -> dict[str, dict]:
    qs = model.objects.filter(round=round)
    if codes is not None:
        qs = qs.filter(district_id__in=codes)
    return {
        r["district_id"]: r
        for r in qs.values("district_id", "status", "late", "updated_at").order_by()
    }


def _district_rows(
    round: Round, targets: list[DistrictTargets], *, all_districts: bool
) -> list[KpiRow]:
    codes = None if all_districts else [t.code for t in targets]
    sales = _sales_by_district(round, codes)
    reports = _statuses(Report, round, codes)
    surveys = _statuses(Survey, round, codes)
    rows = []
    for t in targets:
        s = sales.get(t.code, {})
        rep = reports.get(t.code, {})
        sur = surveys.get(t.code, {})
        rows.append(
            KpiRow(
                code=t.code,
                name=t.name,
                name_en=t.name_en,
                entrepreneurs=t.entrepreneurs,
                products=t.products,
                target_computed=t.target_computed,
                target_official=t.target_official,
                target=t.target,
                sold_online=s.get("sold", 0),
                sales_round=money(s.get("sales_round")),
                sales_baseline=money(s.get("sales_baseline")),
                survey_status=sur.get("status", Status.NOT_STARTED.value),
                report_status=rep.get("status", Status.NOT_STARTED.value),
                survey_late=sur.get("late", False),
                report_late=rep.get("late", False),
                survey_updated_at=sur.get("updated_at"),
                report_updated_at=rep.get("updated_at"),
                growth_rate=round.growth_rate,
            )
        )
    return rows


def _totals_row(t, d: dict, round: Round) -> KpiRow:
    return KpiRow(
        code=d["code"],
        name=d["name_th"],
        name_en=d["name_en"],
        entrepreneurs=t.entrepreneurs,
        products=t.products,
        target_computed=t.target_computed,
        target_official=t.target_official,
        target=t.target,
        sold_online=t.sold_online,
        sales_round=money(t.sales_round),
        sales_baseline=money(t.sales_baseline),
        survey_status=t.survey_status or Status.NOT_STARTED.value,
        report_status=t.report_status or Status.NOT_STARTED.value,
        survey_late=t.survey_late,
        report_late=t.report_late,
        survey_updated_at=t.survey_updated_at,
        report_updated_at=t.report_updated_at,
        growth_rate=round.growth_rate,
    )


def kpi_rows_live(*, round: Round, districts: QuerySet[District]) -> list[KpiRow]:
    """The KPI rows of these districts summed from the registry, the targets and every
    report line: what reports.services.district_totals_refresh stores."""
    targets = targets_for_districts(round=round, districts=districts)
    return _district_rows(round, targets, all_districts=False)


#: The figures of a DistrictTotals row, as KpiRow names them.
TOTALS_FIELDS = [
    "entrepreneurs",
    "products",
    "target_computed",
    "target_official",
    "target",
    "sold_online",
    "sales_round",
    "sales_baseline",
    "survey_status",
    "report_status",
    "survey_late",
    "report_late",
    "survey_updated_at",
    "report_updated_at",
]
_StoredTotals = namedtuple("_StoredTotals", TOTALS_FIELDS)


def _kpi_rows(
    round: Round, districts: QuerySet[District], *, every: bool = False
) -> tuple[list[KpiRow], list[str]]:
    """The KPI row of each district (DOPA order) from the maintained totals
    (DistrictTotals), and the province code of each.

    A district with no totals row yet (a round set up before the table existed, or a
    district the registry added since) is summed live for this read, and nothing is
    written: a page never writes. Two queries when every district has its row, seven
    when the round has none.
    """
    # Plain tuples of the figures the rows show: not the flags (the country page would
    # decode every district's list of them), and no model instance per district.
    stored = DistrictTotals.objects.filter(round=round)
    if not every:
        stored = stored.filter(district__in=districts)
    totals = {
        row[0]: _StoredTotals(*row[1:])
        for row in stored.values_list("district_id", *_StoredTotals._fields)
    }
    if not totals:
        targets = targets_for_districts(round=round, districts=districts)
        return _district_rows(round, targets, all_districts=every), [
            t.province_code for t in targets
        ]
    places = list(districts.order_by("code").values("code", "name_th", "name_en", "province_id"))
    missing = [d["code"] for d in places if d["code"] not in totals]
    live = {}
    if missing:
        live = {
            r.code: r
            for r in kpi_rows_live(round=round, districts=District.objects.filter(code__in=missing))
        }
    rows = [
        _totals_row(totals[d["code"]], d, round) if d["code"] in totals else live[d["code"]]
        for d in places
    ]
    return rows, [d["province_id"] for d in places]


def kpi_for_districts(*, round: Round, districts: QuerySet[District]) -> Kpi:
    """The KPI of each district of `districts` (DOPA order) and their total, read from
    the maintained totals (_kpi_rows): two queries whatever the number of districts
    and products (seven for a round with no totals yet)."""
    rows, _provinces = _kpi_rows(round, districts)
    total = aggregate_rows(round=round, code="", name="รวม", name_en="Total", rows=rows)
    return Kpi(round=round, scope_code=None, rows=rows, total=total)


def district_totals_of(*, round: Round, district: District) -> DistrictTotals | None:
    """One district's maintained totals row (None when it has none yet): the report page
    reads its KPI, flags and progress from this one query (issue #19)."""
    return _totals_by_key.get(round_id=round.pk, district_id=district.pk)


#: district_totals_of's query, compiled once (otop_portal.prepared, issue #19).
_totals_by_key = PreparedQuery(
    lambda round_id, district_id: DistrictTotals.objects.filter(
        round_id=round_id, district_id=district_id
    ),
    round_id=int,
    district_id=str,
)


#: The totals' fields of the survey's answer counts, by surveys.selectors.ANSWER_COUNTS'
#: names (what reports.services.district_totals_compute stores).
SURVEY_COUNT_FIELDS = {
    "entrepreneurs_answered": "survey_answered",
    "trained": "survey_trained",
    "selling": "survey_selling",
    "standard": "survey_standard",
    "sales_prev": "survey_sales_prev",
    "products_answered": "survey_products_answered",
    "products_ready": "survey_products_ready",
}


def survey_counts_stored(*, round: Round, codes: list[str]) -> dict[str, dict] | None:
    """The survey's answer counts of these districts as the maintained totals keep them
    (surveys.selectors.survey_answer_counts' figures, by district code), for the
    province page's readiness (issue #19): one query instead of two that count every
    answer of the province. None when a district has no totals row, or a row from
    before the totals kept them: the caller then counts live."""
    rows = list(
        DistrictTotals.objects.filter(round=round, district_id__in=codes).values_list(
            "district_id", *SURVEY_COUNT_FIELDS.values()
        )
    )
    if len(rows) < len(set(codes)) or any(None in row for row in rows):
        return None
    names = list(SURVEY_COUNT_FIELDS)
    return {row[0]: dict(zip(names, row[1:], strict=True)) for row in rows}


def survey_totals_kept(*, round_id: int, district: str) -> dict | None:
    """otop_portal.totals.survey_totals_read's reader (reports.apps registers it): the
    district's stamp and survey answer counts, in one query."""
    row = (
        DistrictTotals.objects.filter(round_id=round_id, district_id=district)
        .values_list("stamp", *SURVEY_COUNT_FIELDS.values())
        .first()
    )
    if row is None:
        return None
    counts = None if None in row[1:] else dict(zip(SURVEY_COUNT_FIELDS, row[1:], strict=True))
    return {"stamp": row[0], "counts": counts}


def kpi_row_of(*, round: Round, district: District, totals: DistrictTotals | None) -> KpiRow:
    """The district's KPI row from its totals row, read already (district_totals_of);
    summed live, without writing, when it has none."""
    if totals is None:
        return kpi_for_districts(
            round=round, districts=District.objects.filter(pk=district.pk)
        ).rows[0]
    place = {"code": district.code, "name_th": district.name_th, "name_en": district.name_en}
    return _totals_row(totals, place, round)


def kpi_for_district(*, round: Round, district: District) -> tuple[Kpi, DistrictTotals | None]:
    """One district's KPI (kpi_for_districts' figures) and its totals row, from that
    row alone: one query (the district's page, issue #19: the district list and the
    survey's counts need no query of their own). Summed live when it has no row."""
    totals = district_totals_of(round=round, district=district)
    row = kpi_row_of(round=round, district=district, totals=totals)
    total = aggregate_rows(round=round, code="", name="รวม", name_en="Total", rows=[row])
    return Kpi(round=round, scope_code=None, rows=[row], total=total), totals


def survey_counts_of(totals: DistrictTotals | None) -> dict | None:
    """The survey's answer counts that one district's totals row keeps
    (survey_counts_stored's figures for that district), or None when it keeps none."""
    if totals is None:
        return None
    counts = {name: getattr(totals, field) for name, field in SURVEY_COUNT_FIELDS.items()}
    return None if None in counts.values() else counts


def kpi_for_province(*, round: Round, province: Province) -> Kpi:
    """The KPI of each district of the province, in DOPA order, and the province's total."""
    kpi = kpi_for_districts(round=round, districts=District.objects.filter(province=province))
    kpi.scope_code = province.code
    kpi.total.code = province.code
    kpi.total.name = province.name_th
    kpi.total.name_en = province.name_en
    return kpi


def kpi_for_country(*, round: Round) -> Kpi:
    """One row per province (its districts aggregated) and the country's total.

    Three queries: the province names, the maintained totals and the districts
    (_kpi_rows); eight for a round with no totals yet.
    """
    provinces = list(Province.objects.order_by("code").values("code", "name_th", "name_en"))
    district_rows, province_codes = _kpi_rows(round, District.objects.all(), every=True)
    by_province: dict[str, list[KpiRow]] = {}
    for province_code, row in zip(province_codes, district_rows, strict=True):
        by_province.setdefault(province_code, []).append(row)
    rows = [
        aggregate_rows(
            round=round,
            code=p["code"],
            name=p["name_th"],
            name_en=p["name_en"],
            rows=by_province.get(p["code"], []),
        )
        for p in provinces
    ]
    total = aggregate_rows(round=round, code="", name="ทั้งประเทศ", name_en="Country", rows=rows)
    return Kpi(round=round, scope_code=None, rows=rows, total=total)


# ---------------------------------------------------------------------------
# Explaining a figure: the products behind it
# ---------------------------------------------------------------------------

#: The figures that can be explained, as they appear in URLs.
EXPLAINABLE = ("sold_online", "products", "sales_round", "sales_baseline")


class Why:
    """Why a product counts (or not) in a figure; values are stable for tests and CSS."""

    SOLD = "sold"  # in the base, round total > 0 in the report
    LISTED_NO_SALES = "listed_no_sales"  # in the base, listed with a round total of 0
    NOT_LISTED = "not_listed"  # in the base, no line in the report
    CANCELLED = "cancelled"  # a line exists, but the product is cancelled
    OUTSIDE_WINDOW = "outside_window"  # a line exists, registered outside the window
    NOT_REGISTERED = "not_registered"  # a line exists, no longer in the registry


WHY_LABELS = {
    Why.SOLD: _("นับ: อยู่ในฐานและมียอดจำหน่ายรวมในรอบมากกว่า 0"),
    Why.LISTED_NO_SALES: _("ไม่นับ: อยู่ในแบบรายงานแต่ไม่มียอดจำหน่ายในรอบ"),
    Why.NOT_LISTED: _("ไม่นับ: ยังไม่มีในแบบรายงาน"),
    Why.CANCELLED: _("ไม่นับ: ผลิตภัณฑ์ถูกยกเลิก จึงไม่อยู่ในฐาน"),
    Why.OUTSIDE_WINDOW: _("ไม่นับ: ลงทะเบียนนอกช่วงปีของรอบ จึงไม่อยู่ในฐาน"),
    Why.NOT_REGISTERED: _("ไม่นับ: ไม่อยู่ในทะเบียนล่าสุด จึงไม่อยู่ในฐาน"),
}
FIGURE_LABELS = {
    "sold_online": _("ผลิตภัณฑ์ที่ขายออนไลน์ได้"),
    "products": _("ผลิตภัณฑ์ในฐาน"),
    "sales_round": _("ยอดจำหน่ายออนไลน์ในรอบ"),
    "sales_baseline": _("ยอดจำหน่ายออนไลน์ช่วงเดียวกันของปีก่อน"),
}


@dataclass
class ProductFigure:
    """One product behind a KPI figure, and why it counts or not."""

    product_id: int
    entrepreneur_code: str
    entrepreneur_name: str
    name: str
    type: int
    registered_year: int
    in_base: bool
    listed: bool
    sales_round: Decimal
    sales_baseline: Decimal | None
    why: str

    @property
    def counted(self) -> bool:
        return self.why == Why.SOLD

    @property
    def why_label(self) -> str:
        return str(WHY_LABELS[self.why])

    def as_json(self) -> dict:
        d = asdict(self)
        d["sales_round"] = float(self.sales_round)
        d["sales_baseline"] = (
            float(self.sales_baseline) if self.sales_baseline is not None else None
        )
        d["counted"] = self.counted
        return d


def _why(*, round: Round, product: dict, listed: bool, total: Decimal) -> str:
    if not product["registered"]:
        return Why.NOT_REGISTERED
    if product["status"] != "active":
        return Why.CANCELLED
    if not round.window_start <= product["registered_year"] <= round.window_end:
        return Why.OUTSIDE_WINDOW
    if not listed:
        return Why.NOT_LISTED
    return Why.SOLD if total > 0 else Why.LISTED_NO_SALES


def kpi_products(*, round: Round, district: District, which: str) -> list[ProductFigure]:
    """The products behind one KPI figure of a district, each with why it counts or not.

    - "sold_online": every base product and every product with a report line, sold ones
      first: counted when in the base with a round total above zero; not counted when
      listed with no sales, not listed, or not in the base (cancelled, registered outside
      the window, no longer registered) even if it has sales.
    - "products": the base products (the denominator of the target).
    - "sales_round" / "sales_baseline": the report lines of base products with an amount
      in that column (what the sums add up), largest first; lines of products outside
      the base are listed after them as not counted.

    Three queries: the report lines of the district, the district's base products, and
    what the round's snapshot held of them.
    """
    if which not in EXPLAINABLE:
        raise ValueError(f"unknown figure {which!r}")
    fields = (
        "id",
        "entrepreneur__code",
        "entrepreneur__name",
        "name",
        "type",
        "registered_year",
        "registered",
        "status",
    )
    lines = {
        row["product_id"]: row
        for row in ReportLine.objects.filter(report__round=round, report__district=district)
        .annotate(line_total=line_total_expression())
        .values("product_id", "line_total", "sales_baseline", *(f"product__{f}" for f in fields))
    }
    base = {p["id"]: p for p in Product.objects.base(round, district=district.pk).values(*fields)}
    products: dict[int, dict] = dict(base)
    for product_id, row in lines.items():
        if product_id not in products:
            products[product_id] = {f: row[f"product__{f}"] for f in fields}
    # Why a product counts or not, as the round's snapshot held it.
    as_held(round=round, products=list(products.values()))

    out = []
    for product_id, p in products.items():
        line = lines.get(product_id)
        total = money(line["line_total"]) if line else ZERO
        baseline = (
            money(line["sales_baseline"]) if line and line["sales_baseline"] is not None else None
        )
        why = _why(round=round, product=p, listed=line is not None, total=total)
        out.append(
            ProductFigure(
                product_id=product_id,
                entrepreneur_code=p["entrepreneur__code"],
                entrepreneur_name=p["entrepreneur__name"],
                name=p["name"],
                type=p["type"],
                registered_year=p["registered_year"],
                in_base=product_id in base,
                listed=line is not None,
                sales_round=total,
                sales_baseline=baseline,
                why=why,
            )
        )

    if which == "products":
        out = [f for f in out if f.in_base]
        out.sort(key=lambda f: (f.entrepreneur_code, f.name))
    elif which == "sold_online":
        order = [
            Why.SOLD,
            Why.LISTED_NO_SALES,
            Why.NOT_LISTED,
            Why.CANCELLED,
            Why.OUTSIDE_WINDOW,
            Why.NOT_REGISTERED,
        ]
        out.sort(key=lambda f: (order.index(f.why), f.entrepreneur_code, f.name))
    elif which == "sales_round":
        out = [f for f in out if f.sales_round > 0]
        out.sort(key=lambda f: (not f.in_base, -f.sales_round, f.entrepreneur_code, f.name))
    else:  # sales_baseline
        out = [f for f in out if f.sales_baseline]
        out.sort(key=lambda f: (not f.in_base, -f.sales_baseline, f.entrepreneur_code, f.name))
    return out


# ---------------------------------------------------------------------------
# Rows of attachment 3
# ---------------------------------------------------------------------------


def report_district_headings(districts: QuerySet[District], *, country: bool) -> dict[str, str]:
    """The heading of each district's rows in a consolidated report (code -> name): its
    name, and in the whole country's report its province too, since district names
    repeat between provinces."""
    if not country:
        return dict(districts.values_list("code", "name_th"))
    return {
        code: f"{name} จังหวัด{province}"
        for code, name, province in districts.values_list("code", "name_th", "province__name_th")
    }


@dataclass
class ExportRow:
    """One row of attachment 3. Channels and amounts are None when the product has no line."""

    district_code: str
    entrepreneur_code: str
    entrepreneur_name: str
    product_name: str
    product_type: str
    channels: list[bool] | None = None
    other_channel: str = ""
    url: str = ""
    months: list[Decimal] | None = None
    baseline: Decimal | None = None
    note: str = ""


def report_export_rows(*, round: Round, districts: QuerySet[District]):
    """The rows of attachment 3 for the districts, in DOPA order, then by entrepreneur code
    and product name: every base product of the round, with its report line when there is
    one. Lines of products that have left the base are not listed, so the total row equals
    the KPI's sums.

    A generator in constant memory, for a country's 200,000 rows: the base products and
    their lines stream from the database side by side, in the same order, and each line
    is matched to its product as they pass (the lines are a subset of the products).
    Three queries whatever the size.
    """
    codes = list(districts.order_by("code").values_list("code", flat=True))
    fields = [
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
    # A line's report is in the district the round counts its product in (the filter),
    # so the lines come in the order of base_rows_in_order's products.
    order = ["report__district_id", "product__entrepreneur__code", "product__name", "product_id"]
    lines = (
        ReportLine.objects.filter(
            base_filter_for(round, "product__", F("report__district_id")),
            report__round=round,
            report__district_id__in=codes,
        )
        .order_by(*order, "id")
        .values_list("product_id", *fields)
        .iterator(chunk_size=2000)
    )
    line = next(lines, None)
    types = PRODUCT_TYPE_TH  # attachment 3 is Thai in any UI language
    products = base_rows_in_order(round=round, codes=codes)
    for pid, district_id, code, entrepreneur, name, type_ in products.iterator(chunk_size=2000):
        row = ExportRow(
            district_code=district_id,
            entrepreneur_code=code,
            entrepreneur_name=entrepreneur,
            product_name=name,
            product_type=types.get(type_, ""),
        )
        found = None
        while line is not None and line[0] == pid:
            found = line  # one line per product and report; with two reports, the later
            line = next(lines, None)
        if found is not None:
            row.channels = list(found[1:6])
            row.other_channel, row.url = found[6], found[7]
            row.months = [Decimal(v) for v in found[8:14]]
            row.baseline = found[14]
            row.note = found[15]
        yield row


# ---------------------------------------------------------------------------
# The report's page
# ---------------------------------------------------------------------------


def report_for(*, round: Round, district: District, people: bool = False) -> Report | None:
    """The district's report of the round, or None (workflow.submission_for). `people`:
    with who submitted and who reviewed it, for the pages that show them."""
    return workflow.submission_for(Report, round=round, district=district, people=people)


def report_lines(*, report: Report, filters: dict | None = None) -> QuerySet[ReportLine]:
    """The lines of base products, in the order of the form, filtered as the page asks:
    query (entrepreneur code or name, product name), show ("unanswered", "with_sales",
    "no_sales"), type (product type), subdistrict (code). Annotated with line_total."""
    filters = filters or {}
    lines = (
        ReportLine.objects.filter(report=report)
        .filter(base_filter_for(report.round, "product__", report.district_id))
        .select_related(
            "product", "product__entrepreneur", "product__entrepreneur__subdistrict", "answered_by"
        )
        .annotate(line_total=line_total_expression())
        .order_by("product__entrepreneur__code", "product__name", "id")
    )
    query = (filters.get("query") or "").strip()
    if query:
        lines = lines.filter(
            Q(product__entrepreneur__code__icontains=query)
            | Q(product__entrepreneur__name__icontains=query)
            | Q(product__name__icontains=query)
        )
    show = filters.get("show")
    if show == "unanswered":
        lines = lines.filter(answered_at__isnull=True)
    elif show == "with_sales":
        lines = lines.filter(line_total__gt=0)
    elif show == "no_sales":
        lines = lines.filter(line_total=0)
    elif show == "blocking":  # the lines the submit rule refuses
        lines = lines.blocking_submit()
    if filters.get("type"):
        lines = lines.filter(product__type=filters["type"])
    if filters.get("subdistrict"):
        lines = lines.filter(product__entrepreneur__subdistrict_id=filters["subdistrict"])
    return lines


#: What a page of lines shows with each line.
PAGE_RELATED = ("product", "product__entrepreneur", "product__entrepreneur__subdistrict")


def _lines_page(ids: list[int], number, per_page: int):
    """The page `number` of `ids` (the ids of report_lines, filtered, in the form's
    order): the Paginator's Page (of ids) and the page's lines, read by id in one query.

    Not a LIMIT over the form's order: with one, PostgreSQL walks the whole country's
    entrepreneurs in code order looking for this report's lines (0.8 s for a district
    of 1,277 products at country scale, bench/dashboard.py); without it, it reads only
    the report's lines and sorts them. The ids are the filtered ones already: read
    again with the base's condition and the filters, the page's 25 lines cost as much
    to plan as the 1,277 ids (issue #19).
    """
    page = Paginator(ids, per_page).get_page(number)
    found = (
        ReportLine.objects.select_related(*PAGE_RELATED)
        .annotate(line_total=line_total_expression())
        .in_bulk(list(page.object_list))
    )
    # A line deleted since its id was read (an order kept under a stamp that no write
    # renewed: a delete in the database's own tools) is left out, not an error.
    return page, [found[pk] for pk in page.object_list if pk in found]


#: How long a worker keeps a report's order of lines (report_line_ids); a new stamp
#: makes it read again at once.
LINE_ORDER_SECONDS = 600


def report_line_ids(*, report: Report, filters: dict, stamp: str = "") -> list[int]:
    """The ids of report_lines, in the form's order.

    Unfiltered, with the district's totals `stamp` (DistrictTotals.stamp), they are kept
    in the cache under it: the query joins and sorts the district's 1,277 lines, the
    most costly part of the biggest district's page (issue #19), and the order only
    changes when a line is added, a product renamed or moved, or the base changes,
    which all recompute the totals row and so give it a new stamp."""
    keep = stamp and not any(filters.values())
    key = f"reports:line-order:{report.pk}:{stamp}"
    ids = cache.get(key) if keep else None
    if ids is None:
        ids = list(report_lines(report=report, filters=filters).values_list("pk", flat=True))
        if keep:
            cache.set(key, ids, LINE_ORDER_SECONDS)
    return ids


def report_lines_page_and_progress(
    *,
    report: Report,
    filters: dict,
    number,
    per_page: int,
    progress: Progress | None = None,
    stamp: str = "",
) -> tuple[object, list[ReportLine], Progress]:
    """One page of report_lines with the page's filters, and report_progress.

    `progress`: the report's progress as the maintained totals keep it
    (report_progress_of), used as it is; `stamp`: see report_line_ids. Without them,
    unfiltered, the query of the ids reads whether each line was saved and sold too, and
    the progress is counted from it (issue #19). One query with both (the page's lines,
    when the order is cached), two or three without."""
    if progress is not None or any(filters.values()):
        ids = report_line_ids(report=report, filters=filters, stamp=stamp)
        if progress is None:
            progress = report_progress(report=report)
        return (*_lines_page(ids, number, per_page), progress)
    lines = report_lines(report=report, filters=filters)
    rows = list(lines.values_list("pk", "answered_at", "line_total"))
    progress = Progress(
        lines=len(rows),
        answered=sum(1 for _pk, answered, _total in rows if answered is not None),
        with_sales=sum(1 for _pk, _answered, total in rows if total > 0),
    )
    ids = [pk for pk, _answered, _total in rows]
    return (*_lines_page(ids, number, per_page), progress)


def report_submit_blockers(*, report: Report, file_rows: dict[int, int]) -> list[dict]:
    """The lines that submitting the report would refuse as it stands (inside an
    import's transaction: as it will stand), each with its product's code, entrepreneur,
    name, the row of the file it came from (None: the file does not list it) and why.
    The submit rule's own queryset, so the preview and the submit cannot disagree."""
    lines = (
        report.lines.blocking_submit()
        .order_by("product__entrepreneur__code", "product__name")
        .values_list("pk", "product__code", "product__entrepreneur__code", "product__name")
    )
    return [
        {
            "code": code or entrepreneur,
            "entrepreneur": entrepreneur,
            "name": name,
            "label": line_label(code, entrepreneur, name),
            "row": file_rows.get(pk),
            "reason": str(MSG_NO_CHANNEL_REASON),
        }
        for pk, code, entrepreneur, name in lines
    ]


@dataclass
class Progress:
    lines: int
    answered: int
    with_sales: int

    @property
    def unanswered(self) -> int:
        return self.lines - self.answered

    @property
    def pct(self) -> Decimal | None:
        return percent(self.answered, self.lines)


def report_progress_of(totals: DistrictTotals | None) -> Progress | None:
    """The report's progress as its district's totals row keeps it; None when there is
    no row, or a row from before the totals kept it (its page then counts live)."""
    if totals is None or totals.report_lines is None or totals.report_answered is None:
        return None
    return Progress(totals.report_lines, totals.report_answered, totals.sold_online)


def report_progress_by_district(*, round: Round, codes: list[str]) -> dict[str, Progress]:
    """report_progress of each of these districts' reports in the round, by district code
    (a district with no report or no line: zeros). One query; what the maintained totals
    keep (issue #19)."""
    rows = (
        ReportLine.objects.filter(report__round=round, report__district_id__in=codes)
        .filter(base_filter_for(round, "product__", F("report__district_id")))
        .alias(line_total=line_total_expression())
        .values("report__district_id")
        .annotate(
            lines=Count("id"),
            answered=Count("id", filter=Q(answered_at__isnull=False)),
            with_sales=Count("id", filter=Q(line_total__gt=0)),
        )
        .order_by()
    )
    out = {code: Progress(0, 0, 0) for code in codes}
    for r in rows:
        out[r["report__district_id"]] = Progress(r["lines"], r["answered"], r["with_sales"])
    return out


def report_progress(*, report: Report) -> Progress:
    """How many base lines there are, how many were saved at least once, how many sold."""
    row = (
        ReportLine.objects.filter(report=report)
        .filter(base_filter_for(report.round, "product__", report.district_id))
        .alias(line_total=line_total_expression())
        .aggregate(
            lines=Count("id"),
            answered=Count("id", filter=Q(answered_at__isnull=False)),
            with_sales=Count("id", filter=Q(line_total__gt=0)),
        )
    )
    return Progress(lines=row["lines"], answered=row["answered"], with_sales=row["with_sales"])


def survey_sales_hints(*, round: Round, district: District, entrepreneur_ids) -> dict[int, Decimal]:
    """The survey's previous-fiscal-year online sales of these entrepreneurs (a whole
    year, all their products together): shown beside the baseline as a hint only."""
    return dict(
        EntrepreneurAnswer.objects.filter(
            survey__round=round,
            survey__district=district,
            entrepreneur_id__in=list(entrepreneur_ids),
            answered_at__isnull=False,
        ).values_list("entrepreneur_id", "sales_prev_year")
    )


REPORT_HISTORY = workflow.HistoryLabels(
    created=_("เริ่มทำแบบรายงานผล"),
    submitted=_("ส่งแบบรายงานผล"),
    submitted_late=_("ส่งแบบรายงานผล (ส่งช้า)"),
    changed=_("แก้ไขแบบรายงานผล"),
    # No `imported`: an import is saved on the report's lines, and its history lists it
    # from the uploads.
)


#: The report's history records, its lines' saves and its committed imports, the newest
#: `limit` of each (workflow.history_read).
REPORT_HISTORY_SQL = (
    workflow.form_history_sql(Report)
    + f"""
UNION ALL
SELECT * FROM (
  SELECT h.history_date, 'line', h.history_type, h.history_change_reason,
         CAST(0 AS BOOLEAN), '', p.name, h.note, u.username, u.first_name, u.last_name
  FROM {ReportLine.history.model._meta.db_table} h
  LEFT JOIN {Product._meta.db_table} p ON p.id = h.product_id
  LEFT JOIN {User._meta.db_table} u ON u.id = h.history_user_id
  WHERE h.report_id = %s AND h.history_type = '~' AND h.history_change_reason IN (%s, %s)
  ORDER BY h.history_date DESC LIMIT %s) l
UNION ALL
SELECT * FROM (
  SELECT r.uploaded_at, 'import', '', '', CAST(0 AS BOOLEAN), '', r.original_name, '',
         u.username, u.first_name, u.last_name
  FROM {ReportUpload._meta.db_table} r
  LEFT JOIN {User._meta.db_table} u ON u.id = r.uploaded_by_id
  WHERE r.report_id = %s AND r.outcome = %s ORDER BY r.uploaded_at DESC LIMIT %s) i
"""  # noqa: S608 - table names from the models, every value a parameter
)


def report_history(*, report: Report | None, limit: int = 30) -> list[workflow.HistoryItem]:
    """Who did what and when: the report's transitions, imports and the lines saved in the
    browser, newest first. One statement of raw SQL (workflow.history_read): the three
    ORM queries it replaced cost 7 ms of the report page to build (issue #19)."""
    if report is None or report.pk is None:
        return []
    params = [report.pk, limit]
    params += [report.pk, workflow.CHANGE_REASON_SAVED, CHANGE_REASON_FLAG_NOTE, limit]
    params += [report.pk, "committed", limit]
    return workflow.history_read(
        REPORT_HISTORY_SQL, params, limit=limit, labels=REPORT_HISTORY, describe=_report_event
    )


def _report_event(kind: str, reason: str | None, name: str | None, note: str | None) -> str:
    """A line saved or noted, or a file imported, as the report's history words it."""
    if kind == "import":
        return str(workflow.MSG_HISTORY_IMPORTED) % {"name": name}
    if reason == CHANGE_REASON_FLAG_NOTE:
        return _("หมายเหตุของยอดที่ควรตรวจสอบ %(name)s: %(note)s") % {"name": name or "", "note": note}
    return _("บันทึก %(name)s") % {"name": name or ""}


def report_uploads(*, report: Report | None, limit: int = 10):
    if report is None or report.pk is None:
        return []
    # Not what a preview read (a commit's alone): a district's rows, for each upload.
    return list(report.uploads.select_related("uploaded_by").defer("read")[:limit])


def approved_reports(round: Round) -> list[str]:
    """The approved reports of a round, each named for a message: their figures
    went to the department (products.services.rounds refuses a re-pin over them)."""
    names = Report.objects.filter(round=round, status=Status.APPROVED).values_list(
        "district__name_th", flat=True
    )
    return [_("แบบรายงานผล อำเภอ%(district)s") % {"district": n} for n in names]


@dataclass
class ChangesSinceReturn:
    """What the district changed in its form since the province last returned (or
    reopened) it: the return's history record (who, when, why) and each changed row,
    named."""

    returned: object
    rows: list


def report_changes_since_return(*, report: Report | None) -> ChangesSinceReturn | None:
    """The report's lines changed since its last return, from the lines' history: each
    changed line with its fields before -> after, lines added and removed. None if the
    report was never returned. Three queries."""
    returned = workflow.last_return(report)
    if returned is None:
        return None
    round = report.round
    fields = {
        "facebook": "Facebook",
        "line": "LINE",
        "shopee": "Shopee",
        "lazada": "Lazada",
        "otop_today": "OTOP Today",
        "other_channel": ReportLine._meta.get_field("other_channel").verbose_name,
        "url": ReportLine._meta.get_field("url").verbose_name,
        **{f"month_{i + 1}": label for i, label in enumerate(round.month_labels)},
        "sales_baseline": ReportLine._meta.get_field("sales_baseline").verbose_name,
        "note": ReportLine._meta.get_field("note").verbose_name,
    }
    rows = workflow.rows_changed_since(
        ReportLine.history.filter(report_id=report.pk).only(
            "history_id", "history_date", "history_type", "product_id", *fields
        ),
        key="product_id",
        fields=fields,
        since=returned.history_date,
    )
    names = dict(Product.objects.filter(id__in=[r.key for r in rows]).values_list("id", "name"))
    for row in rows:
        row.name = names.get(row.key, "")
    rows.sort(key=lambda r: r.name)
    return ChangesSinceReturn(returned, rows)
