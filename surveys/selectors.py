"""Reads of the surveys app: the pages' lists, the export's rows and the readiness
figures per district that the survey pages, the dashboard and the KPI all use.

Every function makes a fixed number of queries whatever the number of districts,
entrepreneurs or products.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import groupby

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from districts.models import District, User
from otop_portal import workflow
from otop_portal.prepared import PreparedQuery
from otop_portal.totals import survey_totals_read
from otop_portal.workflow import Status
from products.models import Entrepreneur, Product, Round, entrepreneur_in_base
from products.selectors import (
    BaseQuery,
    base_counts_by_district,
    base_filter_for,
    entrepreneur_base_products,
)
from products.vocab import ENTREPRENEUR_TYPE_TH, PRODUCT_TYPE_TH, EntrepreneurType, ProductType
from surveys.models import EntrepreneurAnswer, ProductAnswer, Survey, SurveyUpload
from surveys.workbook import EntrepreneurBlock, ProductLine


def survey_for(*, round: Round, district: District, people: bool = False) -> Survey | None:
    """The district's survey of the round, or None (workflow.submission_for). `people`:
    with who submitted and who reviewed it, which only the survey's page shows."""
    return workflow.submission_for(Survey, round=round, district=district, people=people)


# ---------------------------------------------------------------------------
# Readiness figures per district
# ---------------------------------------------------------------------------


@dataclass
class DistrictReadiness:
    code: str
    name: str
    entrepreneurs: int = 0  # of the round's base
    products: int = 0
    entrepreneurs_answered: int = 0
    products_answered: int = 0
    trained: int = 0
    selling: int = 0
    standard: int = 0
    products_ready: int = 0
    sales_prev: Decimal = Decimal("0.00")
    status: str = Status.NOT_STARTED
    late: bool = False  # submitted after the deadline
    overdue: bool = False  # still open (not started, draft, returned) and past the deadline
    updated_at: dt.datetime | None = None
    submitted_at: dt.datetime | None = None
    unlocked_until: dt.date | None = None

    @property
    def status_label(self) -> str:
        return Status(self.status).label

    @property
    def complete(self) -> bool:
        return self.products_answered >= self.products


def survey_readiness_for_districts(
    *,
    round: Round,
    districts: QuerySet[District],
    today: dt.date | None = None,
    base_counts: dict[str, tuple[int, int]] | None = None,
    answer_counts: dict[str, dict] | None = None,
) -> list[DistrictReadiness]:
    """Base size, answers and readiness counts, status and lateness of each district's
    survey, in DOPA code order. Five queries for any number of districts (three with
    `base_counts` and `answer_counts`).

    A caller that has already counted the base (the dashboard has the KPI's counts from
    products.selectors.targets_for_districts) passes them as `base_counts`, {district
    code: (entrepreneurs, products)}, and saves the query that counts it again. Likewise
    `answer_counts` (survey_answer_counts' figures of every district, as the maintained
    totals keep them) saves the two queries that count the answers.

    `late` is a survey submitted after the deadline; `overdue` one still open (not
    started, draft or returned) when the deadline has passed and no exception runs.

    Only answers about the round's base count: an answer about a product cancelled
    since is kept in the history but is not a readiness figure.
    """
    today = today or timezone.localdate()
    out = {
        d["code"]: DistrictReadiness(code=d["code"], name=d["name_th"])
        for d in districts.order_by("code").values("code", "name_th")
    }
    codes = list(out)
    if not codes:
        return []
    if base_counts is None:
        # order_by(): Product's default ordering would join the entrepreneurs for
        # nothing, which costs a scan of all of them at country scale.
        base_counts = {
            code: (row["entrepreneurs"], row["products"])
            for code, row in base_counts_by_district(round=round, codes=codes).items()
        }
    for code, (entrepreneurs, products) in base_counts.items():
        if code in out:
            out[code].entrepreneurs, out[code].products = entrepreneurs, products
    for s in Survey.objects.filter(round=round, district_id__in=codes).values(
        "district_id", "status", "late", "updated_at", "submitted_at", "unlocked_until"
    ):
        d = out[s["district_id"]]
        d.status, d.late = s["status"], s["late"]
        d.updated_at, d.submitted_at = s["updated_at"], s["submitted_at"]
        d.unlocked_until = s["unlocked_until"]
    _answer_counts(out, round=round, today=today, counts=answer_counts)
    return list(out.values())


def survey_readiness_of(
    *,
    round: Round,
    district: District,
    survey: Survey | None,
    base_counts: tuple[int, int],
    answer_counts: dict | None = None,
    today: dt.date | None = None,
) -> DistrictReadiness:
    """survey_readiness_for_districts of one district whose survey (or None) and base
    counts (entrepreneurs, products) the caller has read already: two queries instead of
    five (issue #19); none when it has the answer counts too (`answer_counts`, as
    survey_answer_counts gives one district's: the survey page's SurveyPage.counts)."""
    d = DistrictReadiness(code=district.code, name=district.name_th)
    d.entrepreneurs, d.products = base_counts
    if survey is not None:
        d.status, d.late = survey.status, survey.late
        d.updated_at, d.submitted_at = survey.updated_at, survey.submitted_at
        d.unlocked_until = survey.unlocked_until
    _answer_counts(
        {d.code: d},
        round=round,
        today=today or timezone.localdate(),
        counts=None if answer_counts is None else {d.code: answer_counts},
    )
    return d


#: The answer counts of a district's survey, as survey_answer_counts gives them and
#: DistrictReadiness names them.
ANSWER_COUNTS = (
    "entrepreneurs_answered",
    "trained",
    "selling",
    "standard",
    "sales_prev",
    "products_answered",
    "products_ready",
)


def survey_answer_counts(*, round: Round, codes: list[str]) -> dict[str, dict]:
    """The answers' counts of these districts' surveys, by district code (ANSWER_COUNTS;
    every district in `codes`, zeros when it has no answer). Only answers about the
    round's base count. Two queries. What the maintained totals keep (issue #19)."""
    out = {
        code: dict.fromkeys(ANSWER_COUNTS, 0) | {"sales_prev": Decimal("0.00")} for code in codes
    }
    in_base = entrepreneur_in_base(
        round, entrepreneur="entrepreneur_id", district="survey__district_id"
    )
    for row in (
        EntrepreneurAnswer.objects.filter(
            survey__round=round, survey__district_id__in=codes, answered_at__isnull=False
        )
        .filter(in_base)
        .values("survey__district_id")
        .annotate(
            answered=Count("id"),
            trained=Count("id", filter=Q(trained=True)),
            selling=Count("id", filter=Q(selling_online=True)),
            standard=Count("id", filter=Q(has_standard=True)),
            sales=Sum("sales_prev_year"),
        )
        .order_by()
    ):
        out[row["survey__district_id"]].update(
            entrepreneurs_answered=row["answered"],
            trained=row["trained"],
            selling=row["selling"],
            standard=row["standard"],
            sales_prev=row["sales"] or Decimal("0.00"),
        )
    for row in (
        ProductAnswer.objects.filter(
            survey__round=round, survey__district_id__in=codes, answered_at__isnull=False
        )
        .filter(base_filter_for(round, "product__", F("survey__district_id")))
        .values("survey__district_id")
        .annotate(answered=Count("id"), ready=Count("id", filter=Q(ready=True)))
        .order_by()
    ):
        out[row["survey__district_id"]].update(
            products_answered=row["answered"], products_ready=row["ready"]
        )
    return out


def _answer_counts(
    out: dict[str, DistrictReadiness],
    *,
    round: Round,
    today: dt.date,
    counts: dict[str, dict] | None = None,
) -> None:
    """Fill these districts' answer counts (`counts`, as survey_answer_counts gives
    them; counted here when None: two queries), and whether each survey is overdue."""
    if counts is None:
        counts = survey_answer_counts(round=round, codes=list(out))
    for code, d in out.items():
        for name, value in counts.get(code, {}).items():
            setattr(d, name, value)
    open_states = (Status.NOT_STARTED, Status.DRAFT, Status.RETURNED)
    for d in out.values():
        extended = d.unlocked_until is not None and today <= d.unlocked_until
        d.overdue = d.status in open_states and today > round.survey_deadline and not extended


# ---------------------------------------------------------------------------
# The survey page
# ---------------------------------------------------------------------------


@dataclass
class EntrepreneurRow:
    id: int
    code: str
    name: str
    type: int
    subdistrict: str
    products: int
    answered: bool = False
    answered_at: dt.datetime | None = None
    trained: bool = False
    selling: bool = False
    standard: bool = False
    sales_prev: Decimal = Decimal("0.00")
    ready: int = 0
    #: Set by the page: the link to the entrepreneur's answer.
    url: str = ""

    @property
    def type_label(self) -> str:
        return EntrepreneurType(self.type).label


def survey_entrepreneurs(
    *,
    round: Round,
    district: District,
    survey: Survey | None,
    query: str = "",
    type: int | None = None,
    subdistrict: str = "",
    unanswered: bool = False,
    page: int | str | None = None,
    per_page: int | None = None,
    at: str = "",
) -> SurveyPage:
    """The base entrepreneurs of a district, filtered, one page of them (all of them in
    one page when `per_page` is None) with their answers; the district's base counts
    (entrepreneurs, products), whatever the filters; and its survey's answer counts
    (SurveyPage). Four queries with no filter set and the base kept in the cache, six
    at most. `at` (an entrepreneur's code), with no page and no filter: the page that
    lists that entrepreneur.

    Only the page's rows are read from the registry: the biggest district lists 488
    entrepreneurs (issue #19). The answer counts are the ones the district's totals
    keep (otop_portal.totals.survey_totals_read), and only the page's answers are read;
    for a district whose totals keep none, the survey's answers are read whole, once,
    and the rows and the counts come from them.

    The base products are read in a query of their own, with the base as a condition
    on the products: as the filter of a count over the entrepreneurs' products,
    PostgreSQL hashed every product of the round's snapshot on each request (0.5 s for
    the biggest district at country scale, bench/dashboard.py)."""
    kept, base_rows = _kept_base(round, district)
    # (entrepreneur, product) of every base product: the entrepreneurs' counts, and the
    # page's products, whose readiness is then read by id.
    base_products = [(entrepreneur, product) for entrepreneur, product, _code in base_rows]
    base = Counter(entrepreneur for entrepreneur, _product in base_products)
    # Only the page's entrepreneurs are read (issue #19): their ids in the list's order,
    # then the page's by id. Not a LIMIT over the order: with one, PostgreSQL walked the
    # country's entrepreneurs in code order looking for the district's (23 ms at
    # country scale, bench/dashboard.py).
    if query or type or subdistrict or (unanswered and survey is not None):
        # The base decides the district (a pinned round places a product where its
        # snapshot held it), not the entrepreneur's current district.
        qs = Entrepreneur.objects.filter(id__in=list(base))
        if query:
            qs = qs.filter(Q(name__icontains=query) | Q(code__icontains=query))
        if type:
            qs = qs.filter(type=type)
        if subdistrict:
            qs = qs.filter(subdistrict_id=subdistrict)
        if unanswered and survey is not None:
            qs = qs.exclude(
                Exists(
                    EntrepreneurAnswer.objects.filter(
                        survey=survey, entrepreneur=OuterRef("pk"), answered_at__isnull=False
                    )
                )
            )
        ids = list(qs.order_by("code").values_list("id", flat=True))
    else:
        # The whole list, ordered here: a query of its own cost 6 ms more for the
        # biggest district than the codes joined to the base's (bench/dashboard.py).
        codes = {entrepreneur: code for entrepreneur, _product, code in base_rows}
        ids = sorted(codes, key=codes.__getitem__)
        if at and not page and per_page:
            # The page that lists the entrepreneur `at` (an entrepreneur's form links
            # back to it): worked out here, from the list the page reads anyway, not by
            # every form and save (issue #19).
            position = next((i for i, pk in enumerate(ids) if codes[pk] == at), 0)
            page = position // per_page + 1
    found = Paginator(ids, per_page or max(len(ids), 1)).get_page(page)
    by_id = {
        e["id"]: e
        for e in Entrepreneur.objects.filter(id__in=list(found.object_list)).values(
            "id", "code", "name", "type", "subdistrict__name_th"
        )
    }
    found.object_list = [
        EntrepreneurRow(
            id=e["id"],
            code=e["code"],
            name=e["name"],
            type=e["type"],
            subdistrict=e["subdistrict__name_th"],
            products=base[e["id"]],
        )
        for e in (by_id[pk] for pk in found.object_list if pk in by_id)
    ]
    if kept is not None and kept["counts"] is not None:
        # The counts as the totals keep them: only the page's answers are read.
        listed = {row.id for row in found.object_list}
        answers = _SurveyAnswers.read(
            survey,
            entrepreneur_ids=listed,
            product_ids=[p for e, p in base_products if e in listed],
        )
        counts = kept["counts"]
    else:
        answers = _SurveyAnswers.read(survey)
        counts = answers.counts(base_products)
    answers.fill(found.object_list, base_products)
    return SurveyPage(page=found, base_counts=(len(base), len(base_products)), counts=counts)


def _kept_base(round: Round, district: District) -> tuple[dict | None, list[tuple]]:
    """The district's kept survey figures (otop_portal.totals: its answer counts, and
    the stamp its base is kept in the cache under), and its base (survey_base_rows)."""
    kept = survey_totals_read(round_id=round.pk, district=district.code)
    return kept, survey_base_rows(round, district, stamp=kept["stamp"] if kept else "")


#: How long a district's base is kept in the cache under its totals' stamp.
BASE_CACHE_SECONDS = 600


def survey_base_rows(round: Round, district: District, *, stamp: str) -> list[tuple]:
    """(entrepreneur id, product id, entrepreneur code) of every base product of the
    district: the survey list's counts and order.

    Kept in the cache under the district's totals stamp (`stamp`, "" for none: read
    every time), as the report page keeps its order of lines: every write that changes
    the base recomputes the district's totals, which gives the row a new stamp, so a
    kept base is never read after a change (issue #19: 5 ms of the biggest district's
    survey page)."""
    key = f"surveys:base:{round.pk}:{district.code}:{stamp}"
    found = cache.get(key) if stamp else None
    if found is None:
        found = list(
            Product.objects.base(round, district=district.code)
            .order_by()
            .values_list("entrepreneur_id", "id", "entrepreneur__code")
        )
        if stamp:
            cache.set(key, found, BASE_CACHE_SECONDS)
    return found


@dataclass
class SurveyPage:
    """One page of the survey's list (survey_entrepreneurs), the district's base counts
    (entrepreneurs, products) whatever the filters, and its survey's answer counts
    (survey_answer_counts' figures, counted from the answers the page read)."""

    page: Page
    base_counts: tuple[int, int]
    counts: dict


@dataclass
class _SurveyAnswers:
    """Every answer of one survey, read once for its page (two queries, none without a
    survey): the page's rows and the district's answer counts come from them, instead
    of four queries of which two counted over the base (issue #19)."""

    #: entrepreneur id -> (answered_at, trained, selling_online, has_standard, sales)
    entrepreneurs: dict[int, tuple]
    #: (product id, answered, ready) of each product answer
    products: list[tuple[int, bool, bool]]

    @classmethod
    def read(
        cls, survey: Survey | None, *, entrepreneur_ids=None, product_ids=None
    ) -> _SurveyAnswers:
        """The survey's answers; of these entrepreneurs' and products' ids only, when
        given (a page whose counts come from the totals)."""
        if survey is None:
            return cls({}, [])
        about = EntrepreneurAnswer.objects.filter(survey=survey)
        if entrepreneur_ids is not None:
            about = about.filter(entrepreneur_id__in=list(entrepreneur_ids))
        product_answers = ProductAnswer.objects.filter(survey=survey)
        if product_ids is not None:
            product_answers = product_answers.filter(product_id__in=list(product_ids))
        entrepreneurs = {
            row[0]: row[1:]
            for row in about.values_list(
                "entrepreneur_id",
                "answered_at",
                "trained",
                "selling_online",
                "has_standard",
                "sales_prev_year",
            )
        }
        products = [
            (product, answered_at is not None, ready)
            for product, answered_at, ready in product_answers.values_list(
                "product_id", "answered_at", "ready"
            )
        ]
        return cls(entrepreneurs, products)

    def fill(self, rows: list[EntrepreneurRow], base_products: list[tuple[int, int]]) -> None:
        """Each row's answer, and how many of its base products are ready."""
        ids = {r.id for r in rows}
        is_ready = {p for p, _answered, ready in self.products if ready}
        ready = Counter(e for e, p in base_products if e in ids and p in is_ready)
        for row in rows:
            a = self.entrepreneurs.get(row.id)
            if a and a[0]:
                row.answered, row.answered_at = True, a[0]
                row.trained, row.selling, row.standard, row.sales_prev = a[1:]
            row.ready = ready[row.id]

    def counts(self, base_products: list[tuple[int, int]]) -> dict:
        """survey_answer_counts of the survey's district, from these answers and its base
        products ((entrepreneur, product) pairs): only answers about the base count."""
        entrepreneurs = {e for e, _p in base_products}
        products = {p for _e, p in base_products}
        answered = [
            a for e, a in self.entrepreneurs.items() if a[0] is not None and e in entrepreneurs
        ]
        answered_products = [
            ready for p, is_answered, ready in self.products if is_answered and p in products
        ]
        return {
            "entrepreneurs_answered": len(answered),
            "trained": sum(1 for a in answered if a[1]),
            "selling": sum(1 for a in answered if a[2]),
            "standard": sum(1 for a in answered if a[3]),
            "sales_prev": sum((a[4] for a in answered if a[4] is not None), Decimal("0.00")),
            "products_answered": len(answered_products),
            "products_ready": sum(1 for ready in answered_products if ready),
        }


def next_entrepreneur_code(*, round: Round, district: District, after: str) -> str | None:
    """The code of the base entrepreneur after `after`, for "save and next"."""
    return (
        base_entrepreneurs(round=round, district=district)
        .filter(code__gt=after)
        .order_by("code")
        .values_list("code", flat=True)
        .first()
    )


@dataclass
class ProductRow:
    id: int
    code: str
    name: str
    type: int
    ready: bool = False
    answered: bool = False

    @property
    def type_label(self) -> str:
        return ProductType(self.type).label


def base_entrepreneurs(*, round: Round, district: District) -> QuerySet[Entrepreneur]:
    """The entrepreneurs with a product the round counts in the district (base_q: a
    pinned round places a product where its snapshot held it)."""
    return Entrepreneur.objects.filter(
        id__in=Product.objects.base(round, district=district.code).values("entrepreneur_id")
    )


def entrepreneur_or_404(code: str) -> Entrepreneur:
    """An entrepreneur by code, with its subdistrict, for its form. Whether the round
    counts it in the district is for entrepreneur_products to say (none: a 404)."""
    person = _entrepreneur_by_code.get(code=code)
    if person is None:
        raise Http404
    return person


#: entrepreneur_or_404's query, compiled once (otop_portal.prepared, issue #19).
_entrepreneur_by_code = PreparedQuery(
    lambda code: Entrepreneur.objects.select_related("subdistrict").filter(code=code), code=str
)


def entrepreneur_products(
    *, round: Round, district: District, entrepreneur: Entrepreneur
) -> list[ProductRow]:
    """The entrepreneur's products the round counts in the district, not yet marked
    with their readiness (products_readiness). One query."""
    return [
        ProductRow(id=p["id"], code=p["code"], name=p["name"], type=p["type"])
        for p in entrepreneur_base_products.all(
            round, district=district.code, entrepreneur_id=entrepreneur.pk
        )
    ]


def products_readiness(
    rows: list[ProductRow], *, survey: Survey | None, entrepreneur: Entrepreneur
) -> None:
    """Mark entrepreneur_products' rows with their readiness in `survey`, as stored now
    (none without a survey). One query."""
    if survey is None or not rows:
        return
    # The answers about all the entrepreneur's products; those of the base are used.
    answers = {
        a["product_id"]: a
        for a in _product_answers_of.all(survey_id=survey.pk, entrepreneur_id=entrepreneur.pk)
    }
    for row in rows:
        a = answers.get(row.id)
        if a:
            row.ready, row.answered = a["ready"], a["answered_at"] is not None


#: entrepreneur_products' answers, compiled once (otop_portal.prepared, issue #19).
_product_answers_of = PreparedQuery(
    lambda survey_id, entrepreneur_id: ProductAnswer.objects.filter(
        survey_id=survey_id, product__entrepreneur_id=entrepreneur_id
    ).values("product_id", "ready", "answered_at"),
    survey_id=int,
    entrepreneur_id=int,
)


def entrepreneur_answer(*, survey: Survey | None, entrepreneur: Entrepreneur):
    if survey is None:
        return None
    return _entrepreneur_answer_of.get(survey_id=survey.pk, entrepreneur_id=entrepreneur.pk)


#: entrepreneur_answer's query, compiled once (otop_portal.prepared, issue #19).
_entrepreneur_answer_of = PreparedQuery(
    lambda survey_id, entrepreneur_id: EntrepreneurAnswer.objects.select_related(
        "answered_by"
    ).filter(survey_id=survey_id, entrepreneur_id=entrepreneur_id),
    survey_id=int,
    entrepreneur_id=int,
)


SURVEY_HISTORY = workflow.HistoryLabels(
    created=gettext_lazy("เริ่มทำแบบสำรวจ"),
    submitted=gettext_lazy("ส่งแบบสำรวจ"),
    submitted_late=gettext_lazy("ส่งแบบสำรวจ (ส่งช้า)"),
    changed=gettext_lazy("แก้ไขแบบสำรวจ"),
    imported=workflow.MSG_HISTORY_IMPORTED,
)


#: The survey's history records and its answers saved in the browser (an import's are
#: named by the survey's own record), the newest `limit` of each (workflow.history_read).
SURVEY_HISTORY_SQL = (
    workflow.form_history_sql(Survey)
    + f"""
UNION ALL
SELECT * FROM (
  SELECT h.history_date, 'answer', h.history_type, h.history_change_reason,
         CAST(0 AS BOOLEAN), '', e.code, e.name, u.username, u.first_name, u.last_name
  FROM {EntrepreneurAnswer.history.model._meta.db_table} h
  LEFT JOIN {Entrepreneur._meta.db_table} e ON e.id = h.entrepreneur_id
  LEFT JOIN {User._meta.db_table} u ON u.id = h.history_user_id
  WHERE h.survey_id = %s AND h.history_type = '~'
    AND (h.history_change_reason IS NULL OR SUBSTR(h.history_change_reason, 1, %s) <> %s)
  ORDER BY h.history_date DESC LIMIT %s) a
"""  # noqa: S608 - table names from the models, every value a parameter
)


def survey_history(*, survey: Survey | None, limit: int = 30) -> list[workflow.HistoryItem]:
    """Who did what and when: the survey's transitions and imports, and the answers
    saved in the browser, newest first. One statement of raw SQL
    (workflow.history_read): the two ORM queries it replaced cost 5 ms of the survey
    page to build (issue #19)."""
    if survey is None:
        return []
    prefix = workflow.CHANGE_REASON_IMPORT_PREFIX
    return workflow.history_read(
        SURVEY_HISTORY_SQL,
        [survey.pk, limit, survey.pk, len(prefix), prefix, limit],
        limit=limit,
        labels=SURVEY_HISTORY,
        # The only other kind: an answer saved, named by its entrepreneur's code and name.
        describe=lambda _kind, _reason, code, name: (
            _("บันทึกคำตอบของ %(code)s %(name)s") % {"code": code, "name": name}
        ),
    )


def survey_uploads(*, survey: Survey | None) -> list[SurveyUpload]:
    """The survey's newest uploads (UPLOADS_LISTED), newest first."""
    if survey is None:
        return []
    return _uploads_of.all(survey_id=survey.pk)


UPLOADS_LISTED = 10

#: survey_uploads' query, compiled once (otop_portal.prepared, issue #19). Not what a
#: preview read (a commit's alone): a district's rows, for each upload.
_uploads_of = PreparedQuery(
    lambda survey_id: (
        SurveyUpload.objects.filter(survey_id=survey_id)
        .select_related("uploaded_by")
        .defer("read")[:UPLOADS_LISTED]
    ),
    survey_id=int,
)


# ---------------------------------------------------------------------------
# Export rows
# ---------------------------------------------------------------------------


@dataclass
class _Answers:
    entrepreneurs: dict[int, tuple] = field(default_factory=dict)
    ready: set[int] = field(default_factory=set)


def _export_answers(**where) -> QuerySet:
    """The entrepreneurs' answered answers of the surveys `where` selects."""
    return EntrepreneurAnswer.objects.filter(answered_at__isnull=False, **where).values_list(
        "entrepreneur_id", "trained", "selling_online", "has_standard", "sales_prev_year"
    )


def _export_ready(**where) -> QuerySet:
    """The products answered ready, in the surveys `where` selects."""
    return ProductAnswer.objects.filter(ready=True, answered_at__isnull=False, **where).values_list(
        "product_id"
    )


def _export_products(round: Round, district) -> QuerySet:
    """The base products of `district` (base_q's), in the form's order, with their
    entrepreneurs."""
    return (
        Product.objects.base(round, district=district)
        .order_by("district_id", "entrepreneur__code", "code", "name", "id")
        .values_list(
            "id",
            "name",
            "type",
            "entrepreneur_id",
            "entrepreneur__code",
            "entrepreneur__name",
            "entrepreneur__type",
            "entrepreneur__house_no",
            "entrepreneur__moo",
            "entrepreneur__subdistrict__name_th",
            "entrepreneur__district__name_th",
            "entrepreneur__district__province__name_th",
            "entrepreneur__phone",
        )
    )


#: One district's export queries, compiled once (otop_portal.prepared, issue #19).
_district_export_answers = PreparedQuery(
    lambda round_id, district: _export_answers(
        survey__round_id=round_id, survey__district_id=district
    ),
    round_id=int,
    district=str,
)
_district_export_ready = PreparedQuery(
    lambda round_id, district: _export_ready(
        survey__round_id=round_id, survey__district_id=district
    ),
    round_id=int,
    district=str,
)
_district_export_products = BaseQuery(_export_products, district=str)


def survey_export_blocks(
    *, round: Round, districts: QuerySet[District] | None = None, district: District | None = None
) -> Iterator[EntrepreneurBlock]:
    """The rows of attachment 2 for some districts (`districts`) or one (`district`): the
    base products of each, grouped by entrepreneur, with the answers so far, in DOPA
    order then by code.

    Three queries whatever the size: the answers are read first, then the products
    stream through an iterator, so a country-sized export holds only the answers in
    memory. One district's rows are read whole instead, by queries compiled once: a
    server-side cursor costs PostgreSQL statements of its own, and district 1001's
    download (273 products) cost PostgreSQL 5.5 ms of CPU instead of 7.0 to 7.3 without
    them (issue #19, two runs of 60 downloads each, its backend's CPU read from /proc).
    """
    answers = _Answers()
    if district is not None:
        where = {"round_id": round.pk, "district": district.code}
        entrepreneur_answers = _district_export_answers.all(**where)
        ready = _district_export_ready.all(**where)
        products = _district_export_products.all(round, district=district.code)
    else:
        codes = districts.values("code")
        where = {"survey__round": round, "survey__district__in": codes}
        entrepreneur_answers = _export_answers(**where).iterator(chunk_size=2000)
        ready = _export_ready(**where).iterator(chunk_size=2000)
        products = _export_products(round, codes).iterator(chunk_size=2000)
    for eid, trained, selling, standard, sales in entrepreneur_answers:
        answers.entrepreneurs[eid] = (trained, selling, standard, sales)
    answers.ready = {pid for (pid,) in ready}
    # Attachment 2 is the department's form: its labels are Thai in any UI language.
    type_labels, product_labels = ENTREPRENEUR_TYPE_TH, PRODUCT_TYPE_TH
    for eid, group in groupby(products, key=lambda r: r[3]):
        group = list(group)
        first = group[0]
        trained, selling, standard, sales = answers.entrepreneurs.get(
            eid, (False, False, False, Decimal("0.00"))
        )
        yield EntrepreneurBlock(
            code=first[4],
            name=first[5],
            type_label=type_labels.get(first[6], ""),
            house_no=first[7],
            moo=first[8],
            subdistrict=first[9],
            district=first[10],
            province=first[11],
            phone=first[12],
            trained=trained,
            selling=selling,
            standard=standard,
            sales_prev=sales,
            products=[
                ProductLine(
                    name=r[1], type_label=product_labels.get(r[2], ""), ready=r[0] in answers.ready
                )
                for r in group
            ],
        )


def approved_surveys(round: Round) -> list[str]:
    """The approved surveys of a round, each named for a message: their figures
    went to the department (products.services.rounds refuses a re-pin over them)."""
    names = Survey.objects.filter(round=round, status=Status.APPROVED).values_list(
        "district__name_th", flat=True
    )
    return [_("แบบสำรวจ อำเภอ%(district)s") % {"district": n} for n in names]


@dataclass
class ChangesSinceReturn:
    """What the district changed in its survey since the province last returned (or
    reopened) it: the return's history record and each changed answer, named."""

    returned: object
    rows: list


def survey_changes_since_return(*, survey: Survey | None) -> ChangesSinceReturn | None:
    """The survey's answers changed since its last return, from the answers' history:
    each entrepreneur's answers and each product's readiness, before -> after. None if
    the survey was never returned. Five queries."""
    returned = workflow.last_return(survey)
    if returned is None:
        return None
    since = returned.history_date
    people_fields = {
        name: EntrepreneurAnswer._meta.get_field(name).verbose_name
        for name in ("trained", "selling_online", "has_standard", "sales_prev_year")
    }
    # Answers are made blank, in bulk and without history, when the survey starts.
    blank = {"trained": False, "selling_online": False, "has_standard": False}
    people = workflow.rows_changed_since(
        EntrepreneurAnswer.history.filter(survey_id=survey.pk),
        key="entrepreneur_id",
        fields=people_fields,
        since=since,
        untracked={**blank, "sales_prev_year": Decimal("0.00")},
    )
    products = workflow.rows_changed_since(
        ProductAnswer.history.filter(survey_id=survey.pk),
        key="product_id",
        fields={"ready": ProductAnswer._meta.get_field("ready").verbose_name},
        since=since,
        untracked={"ready": False},
    )
    people_names = dict(
        Entrepreneur.objects.filter(id__in=[r.key for r in people]).values_list("id", "name")
    )
    product_names = dict(
        Product.objects.filter(id__in=[r.key for r in products]).values_list("id", "name")
    )
    for row in people:
        row.name = people_names.get(row.key, "")
    for row in products:
        row.name = product_names.get(row.key, "")
    rows = sorted(people, key=lambda r: r.name) + sorted(products, key=lambda r: r.name)
    return ChangesSinceReturn(returned, rows)
