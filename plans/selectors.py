"""Reads of the plans app: which products a district should help online next, how far the
province's districts are from their targets, and how many products are in each follow-up
step.

Every figure about the target comes from the KPI selector of the reports app
(reports.selectors.kpi_for_districts / kpi_for_province), and the products that count as
sold online come from reports.selectors.kpi_products, so the work list always agrees with
the dashboard and with `kpi --format json`. The survey's answers only order the list;
the follow-up steps are a working record and never change a KPI figure.

Every function makes a fixed number of queries whatever the number of districts,
entrepreneurs or products.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from districts.models import District, Province
from otop_portal.workflow import who_label
from plans.models import FollowUp, Step
from products.models import Product, Round
from products.selectors import BaseQuery, base_filter_for
from products.vocab import EntrepreneurType, ProductType
from reports.models import ReportLine, line_total_expression
from reports.selectors import (
    KpiRow,
    Why,
    kpi_for_districts,
    kpi_for_province,
    kpi_products,
)
from surveys.models import EntrepreneurAnswer, ProductAnswer

# ---------------------------------------------------------------------------
# The readiness score: written once here, explained on the page from these constants.
# ---------------------------------------------------------------------------

#: The product itself is ready for online (column O of attachment 2). It weighs most: it
#: is the survey's own judgement of this very product.
POINTS_READY = 40
#: The entrepreneur already sells online with other products (column M): they have a
#: shop and know the channel, so listing one more product is the shortest step.
POINTS_SELLING = 25
#: The entrepreneur was trained in online marketing (column L).
POINTS_TRAINED = 15
#: The entrepreneur holds a related standard (column N), which marketplaces often ask for.
POINTS_STANDARD = 10
#: The entrepreneur's online sales in the previous fiscal year (column P), in bands:
#: (at least this many baht, points), highest band first. Any amount above zero earns the
#: last band; no sales earn nothing.
SALES_BANDS: tuple[tuple[Decimal, int], ...] = (
    (Decimal("50000"), 10),
    (Decimal("10000"), 7),
    (Decimal("0.01"), 4),
)
MAX_SCORE = POINTS_READY + POINTS_SELLING + POINTS_TRAINED + POINTS_STANDARD + SALES_BANDS[0][1]

SCORE_LABELS = {
    "ready": gettext_lazy("ผลิตภัณฑ์พร้อมเข้าสู่ตลาดออนไลน์"),
    "selling": gettext_lazy("ผู้ประกอบการขายออนไลน์อยู่แล้ว (ผลิตภัณฑ์อื่น)"),
    "trained": gettext_lazy("ผู้ประกอบการผ่านการอบรมตลาดออนไลน์"),
    "standard": gettext_lazy("ได้รับมาตรฐานที่เกี่ยวเนื่อง"),
    "sales": gettext_lazy("ยอดจำหน่ายออนไลน์ปีงบประมาณก่อน"),
}
SCORE_WHY = {
    "ready": gettext_lazy("แบบสำรวจประเมินว่าผลิตภัณฑ์นี้พร้อมแล้ว จึงมีน้ำหนักมากที่สุด"),
    "selling": gettext_lazy("มีร้านค้าและรู้ช่องทางแล้ว เพิ่มผลิตภัณฑ์อีกหนึ่งรายการทำได้เร็วที่สุด"),
    "trained": gettext_lazy("รู้วิธีขายออนไลน์แล้ว"),
    "standard": gettext_lazy("ตลาดออนไลน์หลายแห่งขอเอกสารมาตรฐาน"),
    "sales": gettext_lazy("เคยขายออนไลน์ได้ ยิ่งมากยิ่งได้คะแนนมาก"),
}


@dataclass(frozen=True)
class ScoreRule:
    """One item of the score as the page explains it."""

    key: str
    label: str
    points: str  # "40" or "4 / 7 / 10"
    how: str
    why: str


def score_rules() -> list[ScoreRule]:
    """The score's items, for the page's explanation (built from the constants)."""
    bands = []
    for floor, points in SALES_BANDS:
        if floor >= 1:
            bands.append(
                _("ตั้งแต่ %(floor)s บาท ได้ %(points)s") % {"floor": f"{floor:,.0f}", "points": points}
            )
        else:
            bands.append(_("มากกว่า 0 บาท ได้ %(points)s") % {"points": points})
    bands.append(_("ไม่มียอดขาย ได้ 0"))
    yes = _("ได้คะแนนเมื่อตอบว่าใช่ (ใส่ ๑)")
    return [
        ScoreRule(
            "ready", str(SCORE_LABELS["ready"]), str(POINTS_READY), yes, str(SCORE_WHY["ready"])
        ),
        ScoreRule(
            "selling",
            str(SCORE_LABELS["selling"]),
            str(POINTS_SELLING),
            yes,
            str(SCORE_WHY["selling"]),
        ),
        ScoreRule(
            "trained",
            str(SCORE_LABELS["trained"]),
            str(POINTS_TRAINED),
            yes,
            str(SCORE_WHY["trained"]),
        ),
        ScoreRule(
            "standard",
            str(SCORE_LABELS["standard"]),
            str(POINTS_STANDARD),
            yes,
            str(SCORE_WHY["standard"]),
        ),
        ScoreRule(
            "sales",
            str(SCORE_LABELS["sales"]),
            " / ".join(str(p) for _f, p in reversed(SALES_BANDS)),
            "; ".join(bands),
            str(SCORE_WHY["sales"]),
        ),
    ]


@dataclass(frozen=True)
class ScoreItem:
    """One item of one product's score: what the survey says and the points it earns.

    The label and the answer are words for the page, translated when a template reads
    them: a district's whole list is scored, but only a page of it is shown.
    """

    key: str
    #: The survey's answer: True / False, an amount for "sales", None when not answered.
    value: bool | Decimal | None
    points: int
    max_points: int

    @property
    def label(self) -> str:
        return str(SCORE_LABELS[self.key])

    @property
    def answer(self) -> str:
        """ "ใช่", "ไม่ใช่", "ยังไม่ได้ตอบ", or an amount in baht."""
        if self.value is None:
            return _("ยังไม่ได้ตอบ")
        if self.key == "sales":
            return _("%(amount)s บาท") % {"amount": f"{self.value:,.2f}"}
        return _("ใช่") if self.value else _("ไม่ใช่")


def sales_points(amount: Decimal | None) -> int:
    """The points of last year's online sales (SALES_BANDS)."""
    if not amount:
        return 0
    for floor, points in SALES_BANDS:
        if amount >= floor:
            return points
    return 0


def readiness_score(
    *,
    ready: bool | None,
    selling: bool | None,
    trained: bool | None,
    standard: bool | None,
    sales_prev: Decimal | None,
) -> list[ScoreItem]:
    """A product's score, item by item. None means the survey has no answer yet, which
    earns nothing (the page says so rather than reading it as "no")."""
    return [
        ScoreItem("ready", ready, POINTS_READY if ready else 0, POINTS_READY),
        ScoreItem("selling", selling, POINTS_SELLING if selling else 0, POINTS_SELLING),
        ScoreItem("trained", trained, POINTS_TRAINED if trained else 0, POINTS_TRAINED),
        ScoreItem("standard", standard, POINTS_STANDARD if standard else 0, POINTS_STANDARD),
        ScoreItem("sales", sales_prev, sales_points(sales_prev), SALES_BANDS[0][1]),
    ]


def missing_to_target(kpi: KpiRow) -> int:
    """How many more products must sell online to reach the target (never negative).

    The one place this rule is written: the work list, the province view and its
    workbook all call it on the KPI selector's row.
    """
    return max(0, kpi.target - kpi.sold_online)


# ---------------------------------------------------------------------------
# Follow-up counts
# ---------------------------------------------------------------------------


@dataclass
class StepCounts:
    """How many products of a district are at each follow-up step."""

    contacted: int = 0
    helped: int = 0
    listed: int = 0

    @property
    def total(self) -> int:
        return self.contacted + self.helped + self.listed

    def items(self) -> list[tuple[str, str, int]]:
        """(step, label, count) in the steps' order, for templates and exports."""
        return [(step.value, str(step.label), getattr(self, step.value)) for step in Step]


def _followup_counts_query(round: Round, /, **where) -> QuerySet:
    """The base products at each follow-up step, per district, of the follow-ups `where`
    selects (those of a round in some districts)."""
    return (
        FollowUp.objects.filter(**where)
        .filter(base_filter_for(round, "product__", F("district_id")))
        .values("district_id", "step")
        .annotate(n=Count("id"))
        .order_by()
    )


_district_followup_counts = BaseQuery(
    lambda round, round_id, district: _followup_counts_query(
        round, round_id=round_id, district_id=district
    ),
    round_id=int,
    district=str,
)


def followup_counts(*, round: Round, codes: Iterable[str]) -> dict[str, StepCounts]:
    """Per district code: how many base products are at each follow-up step in the round.

    Every code of `codes` has an entry, in code order (zeros when it has no follow-up).
    One query whatever the number of districts.
    """
    out = {code: StepCounts() for code in sorted(codes)}
    if not out:
        return out
    if len(out) == 1:
        # One district (its dashboard): a query compiled once (otop_portal.prepared).
        (code,) = out
        rows = _district_followup_counts.all(round, round_id=round.pk, district=code)
    else:
        rows = _followup_counts_query(round, round=round, district_id__in=list(out))
    for row in rows:
        if row["step"] in Step.values:
            setattr(out[row["district_id"]], row["step"], row["n"])
    return out


# ---------------------------------------------------------------------------
# The district's work list
# ---------------------------------------------------------------------------


@dataclass
class HistoryEntry:
    when: dt.datetime
    who: str
    step_label: str
    on: dt.date
    note: str


@dataclass
class PlanItem:
    """One base product not yet sold online, with its score and follow-up."""

    product_id: int
    product_code: str
    product_name: str
    product_type: int
    entrepreneur_id: int
    entrepreneur_code: str
    entrepreneur_name: str
    entrepreneur_type: int
    subdistrict_code: str
    subdistrict_name: str
    #: Why it does not count as sold: listed in the report with no sales, or not listed.
    why: str
    ready: bool | None = None
    selling: bool | None = None
    trained: bool | None = None
    standard: bool | None = None
    sales_prev: Decimal | None = None
    score_items: list[ScoreItem] = field(default_factory=list)
    score: int = 0
    rank: int = 0
    #: One of the smallest set of best-ranked products that would close the gap.
    closes_gap: bool = False
    step: str = ""
    step_on: dt.date | None = None
    step_note: str = ""
    step_by: str = ""
    history: list[HistoryEntry] = field(default_factory=list)

    @property
    def answered(self) -> bool:
        """The survey has an answer about the product or its entrepreneur."""
        return self.ready is not None or self.trained is not None

    @property
    def product_type_label(self) -> str:
        return (
            ProductType(self.product_type).label if self.product_type in ProductType.values else ""
        )

    @property
    def entrepreneur_type_label(self) -> str:
        if self.entrepreneur_type in EntrepreneurType.values:
            return EntrepreneurType(self.entrepreneur_type).label
        return ""

    @property
    def step_label(self) -> str:
        return str(Step(self.step).label) if self.step in Step.values else ""

    @property
    def report_label(self) -> str:
        if self.why == Why.LISTED_NO_SALES:
            return _("อยู่ในแบบรายงานผลแต่ยังไม่มียอดขาย")
        return _("ยังไม่มีในแบบรายงานผล")

    def sort_key(self) -> tuple:
        """Best first: score, then last year's sales, then answered before unanswered,
        then entrepreneur code, product code, name and id, so the order never depends on
        the database."""
        return (
            -self.score,
            -(self.sales_prev or 0),
            not self.answered,
            self.entrepreneur_code,
            self.product_code,
            self.product_name,
            self.product_id,
        )


@dataclass
class DistrictPlan:
    round: Round
    district: District
    kpi: KpiRow
    #: Every base product not sold online, best first (the whole district, unfiltered).
    items: list[PlanItem]
    entrepreneurs_answered: int
    products_answered: int
    followups: StepCounts

    @property
    def missing(self) -> int:
        return missing_to_target(self.kpi)

    @property
    def survey_empty(self) -> bool:
        return not (self.entrepreneurs_answered or self.products_answered)

    @property
    def unsold(self) -> int:
        return len(self.items)

    @property
    def closing(self) -> list[PlanItem]:
        return [item for item in self.items if item.closes_gap]

    @property
    def closing_not_ready(self) -> int:
        """Products in the closing set that the survey does not call ready."""
        return sum(1 for item in self.closing if not item.ready)

    @property
    def ready_unsold(self) -> int:
        return sum(1 for item in self.items if item.ready)

    @property
    def unanswered(self) -> int:
        return sum(1 for item in self.items if not item.answered)

    @property
    def shortfall(self) -> int:
        """How many products would still be missing if every unsold product sold."""
        return max(0, self.missing - self.unsold)

    def filtered(
        self,
        *,
        product_type: int | None = None,
        subdistrict: str = "",
        entrepreneur_type: int | None = None,
    ) -> list[PlanItem]:
        """The ranked items matching the filters; ranks and marks stay those of the
        whole district, so a filtered list never pretends to close the gap alone."""
        return [
            item
            for item in self.items
            if (not product_type or item.product_type == product_type)
            and (not subdistrict or item.subdistrict_code == subdistrict)
            and (not entrepreneur_type or item.entrepreneur_type == entrepreneur_type)
        ]


def district_plan(*, round: Round, district: District) -> DistrictPlan:
    """The ranked work list of a district in a round.

    Which products: the base products that do not count as sold online in the KPI
    (reports.selectors.kpi_products says why for each). Order: the readiness score of
    the survey's answers (readiness_score), ties by PlanItem.sort_key. The first
    `missing_to_target` products are marked as the smallest set that would close the gap.

    Thirteen queries whatever the district's size: the KPI (6), the products behind it
    (2), the base products' entrepreneurs, the survey's entrepreneur and product answers,
    the follow-ups and their history.
    """
    kpi = kpi_for_districts(
        round=round, districts=District.objects.filter(code=district.code)
    ).rows[0]
    figures = kpi_products(round=round, district=district, which="products")
    unsold = {f.product_id: f.why for f in figures if f.in_base and f.why != Why.SOLD}

    items: dict[int, PlanItem] = {}
    for p in Product.objects.base(round, district=district.code).values(
        "id",
        "code",
        "name",
        "type",
        "entrepreneur_id",
        "entrepreneur__code",
        "entrepreneur__name",
        "entrepreneur__type",
        "entrepreneur__subdistrict_id",
        "entrepreneur__subdistrict__name_th",
    ):
        if p["id"] not in unsold:
            continue
        items[p["id"]] = PlanItem(
            product_id=p["id"],
            product_code=p["code"],
            product_name=p["name"],
            product_type=p["type"],
            entrepreneur_id=p["entrepreneur_id"],
            entrepreneur_code=p["entrepreneur__code"],
            entrepreneur_name=p["entrepreneur__name"],
            entrepreneur_type=p["entrepreneur__type"],
            subdistrict_code=p["entrepreneur__subdistrict_id"] or "",
            subdistrict_name=p["entrepreneur__subdistrict__name_th"] or "",
            why=unsold[p["id"]],
        )

    entrepreneurs = {
        a["entrepreneur_id"]: a
        for a in EntrepreneurAnswer.objects.filter(
            survey__round=round, survey__district=district, answered_at__isnull=False
        ).values("entrepreneur_id", "trained", "selling_online", "has_standard", "sales_prev_year")
    }
    products = dict(
        ProductAnswer.objects.filter(
            survey__round=round, survey__district=district, answered_at__isnull=False
        )
        .filter(base_filter_for(round, "product__", district.code))
        .values_list("product_id", "ready")
    )
    for item in items.values():
        item.ready = products.get(item.product_id)
        answer = entrepreneurs.get(item.entrepreneur_id)
        if answer is not None:
            item.trained, item.selling = answer["trained"], answer["selling_online"]
            item.standard, item.sales_prev = answer["has_standard"], answer["sales_prev_year"]
        item.score_items = readiness_score(
            ready=item.ready,
            selling=item.selling,
            trained=item.trained,
            standard=item.standard,
            sales_prev=item.sales_prev,
        )
        item.score = sum(i.points for i in item.score_items)

    counts = StepCounts()
    followups = (
        FollowUp.objects.filter(round=round, district=district)
        .filter(base_filter_for(round, "product__", district.code))
        .select_related("updated_by")
    )
    for f in followups:
        if f.step not in Step.values:
            continue
        setattr(counts, f.step, getattr(counts, f.step) + 1)
        item = items.get(f.product_id)
        if item is not None:
            item.step, item.step_on, item.step_note = f.step, f.on, f.note
            item.step_by = who_label(f.updated_by)
    for h in (
        FollowUp.history.filter(round_id=round.pk, district_id=district.code)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")
    ):
        item = items.get(h.product_id)
        if item is not None and h.history_type != "-":
            item.history.append(
                HistoryEntry(
                    when=h.history_date,
                    who=who_label(h.history_user),
                    step_label=str(Step(h.step).label) if h.step in Step.values else h.step,
                    on=h.on,
                    note=h.note,
                )
            )

    ranked = sorted(items.values(), key=PlanItem.sort_key)
    missing = missing_to_target(kpi)
    for rank, item in enumerate(ranked, start=1):
        item.rank = rank
        item.closes_gap = rank <= missing
    return DistrictPlan(
        round=round,
        district=district,
        kpi=kpi,
        items=ranked,
        entrepreneurs_answered=len(entrepreneurs),
        products_answered=len(products),
        followups=counts,
    )


# ---------------------------------------------------------------------------
# The province's view
# ---------------------------------------------------------------------------


class Outlook:
    """Whether a district can reach its target with its ready, unsold products."""

    REACHED = "reached"  # nothing missing
    ENOUGH = "enough"  # at least as many ready unsold products as missing
    SHORT = "short"  # fewer ready unsold products than missing: needs the province's help
    NO_SURVEY = "no_survey"  # something is missing and the survey has no answers yet


OUTLOOK_LABELS = {
    Outlook.REACHED: gettext_lazy("ถึงเป้าหมายแล้ว"),
    Outlook.ENOUGH: gettext_lazy("มีผลิตภัณฑ์พร้อมพอจะถึงเป้าหมาย"),
    Outlook.SHORT: gettext_lazy("ผลิตภัณฑ์พร้อมไม่พอ ต้องการความช่วยเหลือจากจังหวัด"),
    Outlook.NO_SURVEY: gettext_lazy("ยังไม่มีคำตอบแบบสำรวจ จึงประเมินไม่ได้"),
}


@dataclass
class ProvincePlanRow:
    kpi: KpiRow
    ready_unsold: int
    survey_answered: bool
    followups: StepCounts

    @property
    def code(self) -> str:
        return self.kpi.code

    @property
    def name(self) -> str:
        return self.kpi.name

    @property
    def missing(self) -> int:
        return missing_to_target(self.kpi)

    @property
    def unsold(self) -> int:
        return self.kpi.products - self.kpi.sold_online

    @property
    def shortfall(self) -> int:
        """Products still missing even if every ready unsold product sold."""
        return max(0, self.missing - self.ready_unsold)

    @property
    def outlook(self) -> str:
        if self.missing == 0:
            return Outlook.REACHED
        if not self.survey_answered:
            return Outlook.NO_SURVEY
        if self.ready_unsold < self.missing:
            return Outlook.SHORT
        return Outlook.ENOUGH

    @property
    def outlook_label(self) -> str:
        return str(OUTLOOK_LABELS[self.outlook])

    @property
    def flagged(self) -> bool:
        """Cannot reach the target even with every ready product."""
        return self.outlook == Outlook.SHORT


@dataclass
class ProvincePlan:
    round: Round
    province: Province
    rows: list[ProvincePlanRow]
    total: KpiRow

    @property
    def missing(self) -> int:
        return sum(r.missing for r in self.rows)

    @property
    def ready_unsold(self) -> int:
        return sum(r.ready_unsold for r in self.rows)

    @property
    def unsold(self) -> int:
        return sum(r.unsold for r in self.rows)

    @property
    def shortfall(self) -> int:
        return sum(r.shortfall for r in self.rows)

    @property
    def flagged(self) -> list[ProvincePlanRow]:
        return [r for r in self.rows if r.flagged]

    @property
    def followups(self) -> StepCounts:
        return StepCounts(
            contacted=sum(r.followups.contacted for r in self.rows),
            helped=sum(r.followups.helped for r in self.rows),
            listed=sum(r.followups.listed for r in self.rows),
        )


def sold_product_exists(round: Round, product_ref: str = "product_id") -> Exists:
    """True when the product has a report line with a round total above zero: the KPI's
    rule for "sold online" (reports.selectors), as a subquery."""
    return Exists(
        ReportLine.objects.filter(report__round=round, product_id=OuterRef(product_ref))
        .alias(line_total=line_total_expression())
        .filter(line_total__gt=0)
    )


def province_plan(*, round: Round, province: Province) -> ProvincePlan:
    """Per district of the province (DOPA order): missing to target, unsold and ready
    unsold products, whether the survey has answers, follow-up counts, and a flag for
    the districts that cannot reach the target even with every ready product.

    Ten queries whatever the number of districts: the KPI (6), the product answers, the
    entrepreneur answers, the follow-up counts (2).
    """
    kpi = kpi_for_province(round=round, province=province)
    codes = [row.code for row in kpi.rows]
    products = {
        row["survey__district_id"]: row
        for row in ProductAnswer.objects.filter(
            survey__round=round, survey__district_id__in=codes, answered_at__isnull=False
        )
        .filter(base_filter_for(round, "product__", F("survey__district_id")))
        .alias(sold=sold_product_exists(round))
        .values("survey__district_id")
        .annotate(answered=Count("id"), ready_unsold=Count("id", filter=Q(ready=True, sold=False)))
        .order_by()
    }
    entrepreneurs = dict(
        EntrepreneurAnswer.objects.filter(
            survey__round=round, survey__district_id__in=codes, answered_at__isnull=False
        )
        .values("survey__district_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("survey__district_id", "n")
    )
    counts = followup_counts(round=round, codes=codes)
    rows = []
    for row in kpi.rows:
        p = products.get(row.code, {})
        rows.append(
            ProvincePlanRow(
                kpi=row,
                ready_unsold=p.get("ready_unsold", 0),
                survey_answered=bool(p.get("answered") or entrepreneurs.get(row.code)),
                followups=counts.get(row.code, StepCounts()),
            )
        )
    return ProvincePlan(round=round, province=province, rows=rows, total=kpi.total)
