"""Figures of attachment 3 that look wrong, each with the reason in a sentence (selectors).

The portal accepts any amount that parses; these checks look for the slips officers
actually make and say what they found, with the figures, so that the officer can correct
the line or explain it in its note, and the province sees the question before approving.
A flag never blocks saving a line.

The rules (their ids are in RULES):

- month_spike: one month far above the product's other months (the ratio to the median
  of its other months with sales: three extra zeros make 1,000 times);
- above_baseline: the round total far above the same product's last year: its line in
  last year's round of the same number when the portal has one, else column T;
- copied_months: the same sequence of months (with sales in several months) on products
  of different entrepreneurs, as when one row is pasted onto several;
- total_in_wrong_column: the round total typed where another figure belongs: column T
  (last year) equal to the round total to the satang, or one month equal to the sum of
  the others when honest figures could hardly add up so exactly (see _month_is_sum);
- no_channel: sales with no channel and no link (the submit rule, reports.models.NO_CHANNEL);
- bare_link: a link to a marketplace's or social site's front page rather than a shop or
  a product;
- shared_link: one link on the products of several entrepreneurs.

The thresholds are ratios against medians (robust to the skewed sales of a district) and
are kept per round (PlausibilityThresholds, editable in the admin; a round without a row
uses the model's defaults, and reading never writes one).

Everything is computed in Python from rows read in a fixed number of queries: the
thresholds, last year's round, the lines of the scope and last year's totals. The same
rules run on the rows of an uploaded file before it is committed (flags_for_rows).
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from urllib.parse import urlsplit

from django.db.models import F, QuerySet
from django.utils.translation import gettext_lazy, ngettext_lazy

from districts.models import District
from otop_portal.dates import month_name
from products.models import Round
from products.selectors import base_filter_for
from reports.models import (
    MONTH_FIELDS,
    NO_CHANNEL,
    DistrictTotals,
    PlausibilityThresholds,
    Report,
    ReportLine,
    has_no_channel,
    line_total_expression,
)

#: The first product row of a district's attachment 3 as the portal writes it (rows 1-4
#: titles, 5-6 headers), so that a flag names the row the officer sees in the form.
FIRST_ROW = 7

RULES = {
    "month_spike": gettext_lazy("เดือนที่ยอดสูงผิดปกติ"),
    "above_baseline": gettext_lazy("ยอดรอบนี้สูงกว่าปีก่อนมาก"),
    "copied_months": gettext_lazy("ยอดรายเดือนซ้ำกับผู้ประกอบการอื่น"),
    "total_in_wrong_column": gettext_lazy("ยอดรวมอยู่ผิดช่อง"),
    "no_channel": gettext_lazy("มียอดขายแต่ไม่ระบุช่องทาง"),
    "bare_link": gettext_lazy("ลิงก์ไม่ใช่ร้านค้า"),
    "shared_link": gettext_lazy("ลิงก์ซ้ำกับผู้ประกอบการอื่น"),
}

MSG_SPIKE = gettext_lazy(
    "ยอดเดือน %(month)s %(amount)s บาท สูงกว่าเดือนอื่นของผลิตภัณฑ์นี้ %(ratio)s เท่า "
    "(ค่ากลางของเดือนอื่นที่มียอด %(median)s บาท)"
)
MSG_ABOVE_BASELINE = gettext_lazy(
    "ยอดรวมรอบนี้ %(total)s บาท สูงกว่ายอดช่วงเดียวกันของปีก่อน (%(baseline)s บาท) %(ratio)s เท่า"
)
MSG_ABOVE_LAST_ROUND = gettext_lazy(
    "ยอดรวมรอบนี้ %(total)s บาท สูงกว่ายอดรอบ %(round)s ของผลิตภัณฑ์นี้ (%(baseline)s บาท) %(ratio)s เท่า"
)
MSG_COPIED = ngettext_lazy(
    "ยอดรายเดือน (%(months)s บาท) ตรงกันทุกเดือนกับผลิตภัณฑ์ของผู้ประกอบการอื่น %(count)s ราย "
    "(%(others)s) อาจคัดลอกแถวผิด",
    "ยอดรายเดือน (%(months)s บาท) ตรงกันทุกเดือนกับผลิตภัณฑ์ของผู้ประกอบการอื่น %(count)s ราย "
    "(%(others)s) อาจคัดลอกแถวผิด",
    "count",
)
MSG_BASELINE_IS_TOTAL = gettext_lazy(
    "ยอดช่วงเดียวกันของปีก่อน %(baseline)s บาท เท่ากับยอดรวมรอบนี้พอดี อาจพิมพ์ยอดรวมรอบนี้ลงในช่องยอดปีก่อน"
)
MSG_MONTH_IS_SUM = gettext_lazy(
    "ยอดเดือน %(month)s %(amount)s บาท เท่ากับผลรวมของเดือนอื่นพอดี "
    "อาจพิมพ์ยอดรวมลงในช่องของเดือน ยอดรวมรอบนี้ (%(total)s บาท) จึงเป็นสองเท่าของยอดจริง"
)
MSG_NO_CHANNEL = gettext_lazy("มียอดจำหน่าย %(total)s บาท แต่ไม่ระบุช่องทางจำหน่ายหรือลิงก์ร้านค้า")
MSG_BARE_LINK = gettext_lazy("ลิงก์ “%(url)s” เป็นหน้าแรกของเว็บไซต์ ไม่ใช่ร้านค้าหรือสินค้าของผู้ประกอบการ")
MSG_SHARED_LINK = ngettext_lazy(
    "ลิงก์ “%(url)s” ใช้ร่วมกับผลิตภัณฑ์ของผู้ประกอบการอื่น %(count)s ราย (%(others)s)",
    "ลิงก์ “%(url)s” ใช้ร่วมกับผลิตภัณฑ์ของผู้ประกอบการอื่น %(count)s ราย (%(others)s)",
    "count",
)

#: The messages by the key a Flag keeps.
MESSAGES = {
    "spike": MSG_SPIKE,
    "above_baseline": MSG_ABOVE_BASELINE,
    "above_last_round": MSG_ABOVE_LAST_ROUND,
    "copied": MSG_COPIED,
    "baseline_is_total": MSG_BASELINE_IS_TOTAL,
    "month_is_sum": MSG_MONTH_IS_SUM,
    "no_channel": MSG_NO_CHANNEL,
    "bare_link": MSG_BARE_LINK,
    "shared_link": MSG_SHARED_LINK,
}

ZERO = Decimal(0)

#: A month is taken for the round's total only when it equals the sum of at least two
#: other months with sales (with one it would merely equal that month, as honest figures
#: often do) and is at least this many times the largest amount that divides each of
#: them. Sales of one price add up by chance (units 1 + 1 + 2 = 4: 350 + 350 + 700 =
#: 1,400); figures that are not multiples of one price add up to the satang about once
#: in so many. bench/plausibility.py measures both (RESULTS.md, issue 18).
MONTH_IS_SUM_MIN_STEPS = 10_000


@dataclass
class LineFigures:
    """What the rules read of one line: a saved report line or a row of an uploaded file."""

    district: str
    product_id: int | None
    product_code: str
    product_name: str
    entrepreneur_code: str
    row: int | None
    months: list[Decimal]
    baseline: Decimal | None = None
    channels: dict = field(default_factory=dict)
    line_id: int | None = None
    note: str = ""

    @property
    def total(self) -> Decimal:
        return sum(self.months, ZERO)

    @property
    def url(self) -> str:
        return self.channels.get("url") or ""


@dataclass
class Flag:
    """One thing that looks wrong on one line. The message is kept as its template's key
    (MESSAGES) and its figures, and worded when read, in the language of the page that
    reads it: the maintained totals store a district's flags (DistrictTotals.flags) for
    pages in Thai and in English alike."""

    district: str
    product: str
    product_name: str
    entrepreneur: str
    line: int | None
    rule: str
    template: str
    params: dict
    line_id: int | None = None
    note: str = ""

    @property
    def rule_label(self) -> str:
        return str(RULES[self.rule])

    @property
    def message(self) -> str:
        params = dict(self.params)
        if "month" in params:  # a calendar month (1-12), named in the page's language
            params["month"] = month_name(params["month"], short=True)
        return str(MESSAGES[self.template] % params)

    def as_json(self) -> dict:
        data = asdict(self)
        out = {key: data[key] for key in ("district", "product", "entrepreneur", "line", "rule")}
        return {**out, "message": self.message}

    def stored(self) -> dict:
        """The flag as DistrictTotals.flags keeps it (Flag(**stored) gives it back)."""
        return asdict(self)


def amount(value: Decimal) -> str:
    """4,500,000 or 4,500.50: baht with thousands separators, satang only when there are."""
    value = Decimal(value)
    if value == value.to_integral_value():
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def ratio_text(value: Decimal) -> str:
    """1,000 or 7.5: how many times, whole from 10 up."""
    if value >= 10:
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def thresholds_for(round: Round) -> PlausibilityThresholds:
    """The round's thresholds; the defaults (not saved: reading never writes) when the
    administrator has not set them."""
    found = PlausibilityThresholds.objects.filter(round=round).first()
    return found or PlausibilityThresholds(round=round)


def previous_round(round: Round) -> Round | None:
    """Last year's round of the same number, if the portal has it."""
    return Round.objects.filter(
        fiscal_year_id=round.fiscal_year_id - 1, number=round.number
    ).first()


def _link_key(url: str) -> str:
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    return f"{host}{parts.path.rstrip('/')}?{parts.query}".rstrip("?")


#: The marketplaces and social sites where a front page is no one's shop. The front page
#: of an entrepreneur's own website is its shop, and is not flagged (bench/plausibility.py:
#: 3% of the entrepreneurs with a link giving their own site flagged 1.5% of the products
#: with sales when every bare domain was).
PLATFORMS = (
    "facebook.com",
    "fb.com",
    "shopee.co.th",
    "lazada.co.th",
    "line.me",
    "lin.ee",
    "instagram.com",
    "tiktok.com",
    "otoptoday.com",
    "thaitrade.com",
    "google.com",
)


def _is_bare(url: str) -> bool:
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    on_platform = any(host == p or host.endswith("." + p) for p in PLATFORMS)
    return on_platform and parts.path in ("", "/") and not parts.query


def _others(codes) -> str:
    codes = sorted(codes)
    return ", ".join(codes[:3]) + (" …" if len(codes) > 3 else "")


def _month_is_sum(months: list[Decimal], top: int) -> bool:
    """Whether the biggest month is the sum of the others, and could hardly be so by
    chance (MONTH_IS_SUM_MIN_STEPS)."""
    others = [int(m * 100) for i, m in enumerate(months) if i != top and m > 0]
    if len(others) < 2 or months[top] != sum(months) - months[top]:
        return False
    return int(months[top] * 100) // math.gcd(*others) >= MONTH_IS_SUM_MIN_STEPS


def check_lines(
    lines: list[LineFigures],
    *,
    thresholds: PlausibilityThresholds,
    months: list[int],
    last_year: dict[int, Decimal] | None = None,
    last_round_code: str = "",
) -> list[Flag]:
    """The flags of one district's lines (the rules compare a district's lines with each
    other), in the order of the lines, then of RULES. `months`: the round's calendar
    months (1-12), in order."""
    last_year = last_year or {}
    found: dict[int, list[tuple[str, str, dict]]] = defaultdict(list)

    def flag(index: int, rule: str, template: str, params: dict) -> None:
        found[index].append((rule, template, params))

    spike_ratio = Decimal(thresholds.spike_ratio)
    baseline_ratio = Decimal(thresholds.baseline_ratio)
    copies: dict[tuple, list[int]] = defaultdict(list)
    links: dict[str, list[int]] = defaultdict(list)
    for index, line in enumerate(lines):
        amounts = line.months[: len(months)]
        total = line.total
        if total <= 0:
            if line.url:
                links[_link_key(line.url)].append(index)
            continue
        # A spike: the biggest month against the median of the other months with sales.
        top = max(range(len(amounts)), key=lambda i: amounts[i])
        others = [m for i, m in enumerate(amounts) if i != top and m > 0]
        if others and amounts[top] >= thresholds.spike_min_amount:
            median = Decimal(statistics.median(others))
            if amounts[top] >= spike_ratio * median:
                flag(
                    index,
                    "month_spike",
                    "spike",
                    {
                        "month": months[top],
                        "amount": amount(amounts[top]),
                        "ratio": ratio_text(amounts[top] / median),
                        "median": amount(median),
                    },
                )
        # Far above last year: last year's round when the portal has it, else column T.
        before = last_year.get(line.product_id) if line.product_id else None
        template = "above_last_round"
        if not before:
            before, template = line.baseline, "above_baseline"
        if before and total >= thresholds.baseline_min_total and total >= baseline_ratio * before:
            flag(
                index,
                "above_baseline",
                template,
                {
                    "total": amount(total),
                    "baseline": amount(before),
                    "ratio": ratio_text(total / before),
                    "round": last_round_code,
                },
            )
        # The round total typed into column T, or into one of the months.
        if line.baseline is not None and line.baseline == total:
            flag(
                index,
                "total_in_wrong_column",
                "baseline_is_total",
                {"baseline": amount(line.baseline)},
            )
        if _month_is_sum(amounts, top):
            flag(
                index,
                "total_in_wrong_column",
                "month_is_sum",
                {
                    "month": months[top],
                    "amount": amount(amounts[top]),
                    "total": amount(total),
                },
            )
        if sum(1 for m in amounts if m > 0) >= thresholds.copy_min_months:
            copies[tuple(amounts)].append(index)
        if has_no_channel(line.channels):
            flag(index, "no_channel", "no_channel", {"total": amount(total)})
        if line.url:
            links[_link_key(line.url)].append(index)

    for copied, members in copies.items():
        codes = {lines[i].entrepreneur_code for i in members}
        if len(codes) < thresholds.copy_min_entrepreneurs:
            continue
        for i in members:
            others = codes - {lines[i].entrepreneur_code}
            flag(
                i,
                "copied_months",
                "copied",
                {
                    "months": ", ".join(amount(m) for m in copied),
                    "count": len(others),
                    "others": _others(others),
                },
            )
    for members in links.values():
        codes = {lines[i].entrepreneur_code for i in members}
        for i in members:
            url = lines[i].url
            if _is_bare(url):
                flag(i, "bare_link", "bare_link", {"url": url})
            if len(codes) > 1:
                others = codes - {lines[i].entrepreneur_code}
                flag(
                    i,
                    "shared_link",
                    "shared_link",
                    {"url": url, "count": len(others), "others": _others(others)},
                )

    order = list(RULES)
    flags = []
    for index in sorted(found):
        line = lines[index]
        for rule, template, params in sorted(found[index], key=lambda f: order.index(f[0])):
            flags.append(
                Flag(
                    district=line.district,
                    product=line.product_code,
                    product_name=line.product_name,
                    entrepreneur=line.entrepreneur_code,
                    line=line.row,
                    rule=rule,
                    template=template,
                    params=params,
                    line_id=line.line_id,
                    note=line.note,
                )
            )
    return flags


_LINE_VALUES = [
    "id",
    "report__district_id",
    "product_id",
    "product__code",
    "product__name",
    "product__entrepreneur__code",
    *MONTH_FIELDS,
    "sales_baseline",
    *NO_CHANNEL,
    "note",
]


def _last_year_totals(round: Round | None, codes: list[str]) -> dict[int, Decimal]:
    if round is None:
        return {}
    return dict(
        ReportLine.objects.filter(report__round=round, report__district_id__in=codes)
        .annotate(line_total=line_total_expression())
        .filter(line_total__gt=0)
        .values_list("product_id", "line_total")
    )


def flags_for_districts(*, round: Round, districts: QuerySet[District]) -> list[Flag]:
    """The flags of the reports of these districts in the round, by district then in the
    order of the form. Five queries whatever the number of districts and lines."""
    codes = list(districts.order_by("code").values_list("code", flat=True))
    thresholds = thresholds_for(round)
    before = previous_round(round)
    last_year = _last_year_totals(before, codes)
    rows = (
        ReportLine.objects.filter(base_filter_for(round, "product__", F("report__district_id")))
        .filter(report__round=round, report__district_id__in=codes)
        .order_by("report__district_id", "product__entrepreneur__code", "product__name", "id")
        .values_list(*_LINE_VALUES)
    )
    by_district: dict[str, list[LineFigures]] = defaultdict(list)
    channel_names = list(NO_CHANNEL)
    for values in rows.iterator(chunk_size=2000):
        (line_id, district, product_id, product_code, product_name, entrepreneur) = values[:6]
        months = list(values[6 : 6 + len(MONTH_FIELDS)])
        rest = values[6 + len(MONTH_FIELDS) :]
        lines = by_district[district]
        lines.append(
            LineFigures(
                district=district,
                product_id=product_id,
                product_code=product_code,
                product_name=product_name,
                entrepreneur_code=entrepreneur,
                row=FIRST_ROW + len(lines),
                months=months,
                baseline=rest[0],
                channels=dict(zip(channel_names, rest[1 : 1 + len(channel_names)], strict=True)),
                line_id=line_id,
                note=rest[-1],
            )
        )
    months = [m for _year, m in round.months()]
    flags: list[Flag] = []
    for district in codes:
        flags += check_lines(
            by_district.get(district, []),
            thresholds=thresholds,
            months=months,
            last_year=last_year,
            last_round_code=before.code if before else "",
        )
    return flags


def flags_for_report(*, report: Report) -> list[Flag]:
    """The flags of one district's report."""
    return flags_for_districts(
        round=report.round, districts=District.objects.filter(code=report.district_id)
    )


#: district_flags' "read the totals row yourself".
_READ = object()


def district_flags(*, round: Round, district: District, totals=_READ) -> list[Flag]:
    """The flags of one district's report as the maintained totals keep them (every
    write that changes a line refreshes them in its transaction: issue #19), in the
    order of the form. One query, none when the caller passes the district's `totals`
    row (None: it has none); checked live when the district has no totals row yet, or
    a row from before the totals kept flags (flagged lines but no flags: rebuild_totals
    stores them)."""
    if totals is _READ:
        row = (
            DistrictTotals.objects.filter(round=round, district=district)
            .values_list("flagged_lines", "flags")
            .first()
        )
    else:
        row = None if totals is None else (totals.flagged_lines, totals.flags)
    if row is None or (row[0] and not row[1]):
        return flags_for_districts(round=round, districts=District.objects.filter(pk=district.pk))
    return [Flag(**stored) for stored in row[1]]


def flags_by_line(flags: list[Flag]) -> dict[int, list[Flag]]:
    out: dict[int, list[Flag]] = defaultdict(list)
    for f in flags:
        if f.line_id is not None:
            out[f.line_id].append(f)
    return dict(out)


def flagged_lines_by_district(flags: list[Flag]) -> dict[str, int]:
    """How many lines of each district carry at least one flag."""
    lines: dict[str, set] = defaultdict(set)
    for f in flags:
        lines[f.district].add(f.line_id)
    return {district: len(ids) for district, ids in lines.items()}


def flagged_lines_for_districts(*, round: Round, districts: QuerySet[District]) -> dict[str, int]:
    """How many lines of each district carry a flag, from the maintained totals
    (DistrictTotals, issue #19); the districts without a totals row are checked live."""
    stored = dict(
        DistrictTotals.objects.filter(round=round, district__in=districts).values_list(
            "district_id", "flagged_lines"
        )
    )
    missing = districts.exclude(code__in=list(stored))
    if stored and not missing.exists():
        return stored
    live = flagged_lines_by_district(flags_for_districts(round=round, districts=missing))
    return {**stored, **live}


def rule_counts(flags: list[Flag]) -> dict[str, int]:
    counts = dict.fromkeys(RULES, 0)
    for f in flags:
        counts[f.rule] += 1
    return counts
