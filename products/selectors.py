"""Reads of the registry: the KPI base and the targets of districts in a round.

`targets_for_districts` is the only place that counts a district's base and decides
its effective target. The attachment-1 export, the targets page, the KPI selector
(reports.selectors) and the dashboard all read it, so their figures always agree.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from districts.models import District
from otop_portal.prepared import PreparedQuery
from products.models import (
    Product,
    ProductStatus,
    RegistrySnapshot,
    Round,
    SnapshotProduct,
    Target,
    base_q,
)


@dataclass
class DistrictTargets:
    code: str
    name: str
    name_en: str
    province_code: str
    entrepreneurs: int
    products: int
    target_computed: int
    target_official: int | None
    target_reason: str

    @property
    def target(self) -> int:
        """The effective target: the official one when set, else the computed one."""
        return self.target_official if self.target_official is not None else self.target_computed

    @property
    def target_difference(self) -> int | None:
        """Official minus computed, or None when there is no official target."""
        if self.target_official is None:
            return None
        return self.target_official - self.target_computed


def round_get(code: str, *, snapshot: bool = False) -> Round | None:
    """The round with a code such as "2564-2", or None.

    One row by its unique key, without joins: every page under /rounds/ reads its round,
    and the fiscal year and the snapshot that the lookup joined cost 1.3 ms of the
    page's CPU (issue #19). The few pages that show the snapshot ask for it
    (`snapshot`); elsewhere round_snapshot reads it.
    """
    try:
        year, number = (int(part) for part in code.split("-"))
    except ValueError:
        return None
    if not snapshot:
        return _round_by_key.get(year=year, number=number)
    # The snapshot's summary is a country's per-district report of its import (about
    # 200 KB of JSON): no page that shows a round's snapshot shows it.
    rounds = Round.objects.select_related("snapshot").defer("snapshot__summary")
    try:
        return rounds.get(fiscal_year_id=year, number=number)
    except Round.DoesNotExist:
        return None


#: round_get's query, compiled once (otop_portal.prepared, issue #19).
_round_by_key = PreparedQuery(
    lambda year, number: Round.objects.filter(fiscal_year_id=year, number=number),
    year=int,
    number=int,
)


def get_round_or_404(code: str, *, snapshot: bool = False) -> Round:
    """round_get for a page: an unknown round is a 404."""
    round = round_get(code, snapshot=snapshot)
    if round is None:
        raise Http404
    return round


def round_snapshot(round: Round) -> RegistrySnapshot | None:
    """The round's registry snapshot without its summary (see round_get): the one read
    with the round, else one query, kept on the round for the next ask."""
    if round.snapshot_id is None:
        return None
    if not Round.snapshot.is_cached(round):
        Round.snapshot.field.set_cached_value(
            round, RegistrySnapshot.objects.defer("summary").get(pk=round.snapshot_id)
        )
    return round.snapshot


def round_current() -> Round | None:
    return (
        Round.objects.select_related("fiscal_year", "snapshot").defer("snapshot__summary").first()
    )


def registry_label(*, round: Round) -> str:
    """The registry snapshot a district's form is matched against, as a refusal names it
    ("ทะเบียน ณ 1 มกราคม 2567"): the round's snapshot, else the latest one; "" if none."""
    snapshot = round_snapshot(round)
    if snapshot is None:
        snapshot = RegistrySnapshot.objects.defer("summary").first()
    return str(snapshot) if snapshot is not None else ""


def base_products(*, round: Round) -> QuerySet[Product]:
    return Product.objects.base(round)


def targets_for_districts(*, round: Round, districts: QuerySet[District]) -> list[DistrictTargets]:
    """Base entrepreneurs and products, computed, official and effective target of each
    district, in DOPA code order. Three queries whatever the number of districts."""
    district_rows = list(
        districts.order_by("code").values("code", "name_th", "name_en", "province_id")
    )
    codes = [d["code"] for d in district_rows]
    counts = base_counts_by_district(round=round, codes=codes)
    official = {
        t["district_id"]: t
        for t in Target.objects.filter(round=round, district_id__in=codes).values(
            "district_id", "official", "reason"
        )
    }
    out = []
    for d in district_rows:
        c = counts.get(d["code"], {"products": 0, "entrepreneurs": 0})
        t = official.get(d["code"])
        out.append(
            DistrictTargets(
                code=d["code"],
                name=d["name_th"],
                name_en=d["name_en"],
                province_code=d["province_id"],
                entrepreneurs=c["entrepreneurs"],
                products=c["products"],
                target_computed=round.computed_target(c["products"]),
                target_official=t["official"] if t else None,
                target_reason=t["reason"] if t else "",
            )
        )
    return out


def base_filter_for(round: Round, prefix: str = "", district=None) -> Q:
    """The base condition as a Q on a related path, e.g. prefix="product__", of some
    districts only if `district` is given (base_q)."""
    return base_q(round, prefix, district)


class BaseQuery:
    """A query over a round's base (base_q), compiled once (otop_portal.prepared): once
    for the rounds pinned to a snapshot, once for the others. `build(round, **params)`
    may read of the round only what base_q reads: its snapshot and its window."""

    def __init__(self, build, /, **types: type):
        def pinned(snapshot_id, window_start, window_end, **params):
            round = Round(snapshot_id=snapshot_id, window_start=window_start, window_end=window_end)
            return build(round, **params)

        def live(window_start, window_end, **params):
            return build(Round(window_start=window_start, window_end=window_end), **params)

        window = {"window_start": int, "window_end": int}
        self._pinned = PreparedQuery(pinned, snapshot_id=int, **window, **types)
        self._live = PreparedQuery(live, **window, **types)

    def all(self, round: Round, **params) -> list:
        window = {"window_start": round.window_start, "window_end": round.window_end}
        if round.snapshot_id is None:
            return self._live.all(**window, **params)
        return self._pinned.all(snapshot_id=round.snapshot_id, **window, **params)


#: An entrepreneur's products that a round counts in a district (its base), by code and
#: name: the entrepreneur's survey form and its save.
entrepreneur_base_products = BaseQuery(
    lambda round, district, entrepreneur_id: (
        Product.objects.base(round, district=district)
        .filter(entrepreneur_id=entrepreneur_id)
        .order_by("code", "name")
        .values("id", "code", "name", "type")
    ),
    district=str,
    entrepreneur_id=int,
)


def base_counts_by_district(*, round: Round, codes) -> dict[str, dict[str, int]]:
    """{district code: {"products": n, "entrepreneurs": n}} of the round's base in the
    districts of `codes`, each product counted in the district the round places it (the
    one its snapshot held: base_q). One query; a district with no base is missing."""
    if round.snapshot_id is None:
        # order_by(): Product's default ordering would join the entrepreneurs (Django
        # keeps the join of an ordering it drops from a GROUP BY), a scan of all of
        # them at country scale.
        rows = (
            Product.objects.base(round)
            .filter(district_id__in=codes)
            .order_by()
            .values("district_id")
            .annotate(products=Count("id"), entrepreneurs=Count("entrepreneur_id", distinct=True))
        )
    else:
        rows = (
            SnapshotProduct.objects.filter(
                snapshot_id=round.snapshot_id,
                status=ProductStatus.ACTIVE,
                registered_year__gte=round.window_start,
                registered_year__lte=round.window_end,
                district_id__in=codes,
            )
            .order_by()
            .values("district_id")
            .annotate(
                products=Count("product_id"),
                entrepreneurs=Count("product__entrepreneur_id", distinct=True),
            )
        )
    return {row["district_id"]: row for row in rows}


def base_rows_in_order(*, round: Round, codes: list[str]) -> QuerySet:
    """The round's base products in the districts of `codes`, as tuples (id, district
    code, entrepreneur code, entrepreneur name, name, type), each with the district and
    type the round's snapshot held, ordered by that district, then entrepreneur code,
    name and id. A pinned round reads its snapshot's rows joined to the products (not a
    lookup per product), for a country's export."""
    if round.snapshot_id is None:
        return (
            Product.objects.base(round, district=codes)
            .order_by("district_id", "entrepreneur__code", "name", "id")
            .values_list(
                "id", "district_id", "entrepreneur__code", "entrepreneur__name", "name", "type"
            )
        )
    return (
        SnapshotProduct.objects.filter(
            snapshot_id=round.snapshot_id,
            status=ProductStatus.ACTIVE,
            registered_year__gte=round.window_start,
            registered_year__lte=round.window_end,
            district_id__in=codes,
        )
        .order_by("district_id", "product__entrepreneur__code", "product__name", "product_id")
        .values_list(
            "product_id",
            "district_id",
            "product__entrepreneur__code",
            "product__entrepreneur__name",
            "product__name",
            "type",
        )
    )


def base_districts(*, round: Round) -> dict[int, str]:
    """{product id: district code} of the round's whole base, each product in the
    district the round places it (base_q). One query."""
    if round.snapshot_id is None:
        return dict(Product.objects.base(round).order_by().values_list("id", "district_id"))
    return dict(
        SnapshotProduct.objects.filter(
            snapshot_id=round.snapshot_id,
            status=ProductStatus.ACTIVE,
            registered_year__gte=round.window_start,
            registered_year__lte=round.window_end,
        )
        .order_by()
        .values_list("product_id", "district_id")
    )


@dataclass
class TargetsTotal:
    """The total row of attachment 1 and of the targets page."""

    entrepreneurs: int
    products: int
    target_computed: int
    target: int
    #: The sum of the official targets that are set, or None when none is.
    target_official: int | None
    #: How many districts have an official target.
    officials: int

    @property
    def target_difference(self) -> int | None:
        """The effective total minus the computed total: the sum of the districts'
        differences, or None when no district has an official target."""
        if not self.officials:
            return None
        return self.target - self.target_computed


def targets_total(rows: list[DistrictTargets]) -> TargetsTotal:
    officials = [r.target_official for r in rows if r.target_official is not None]
    return TargetsTotal(
        entrepreneurs=sum(r.entrepreneurs for r in rows),
        products=sum(r.products for r in rows),
        target_computed=sum(r.target_computed for r in rows),
        target=sum(r.target for r in rows),
        target_official=sum(officials) if officials else None,
        officials=len(officials),
    )


@dataclass
class DistrictRepin:
    """What re-pinning a round to another snapshot changes in one district."""

    code: str
    name: str
    products_before: int
    products_after: int
    target_before: int
    target_after: int
    #: The base products that leave the round's forms, and those that join them, as
    #: (entrepreneur code, product name), sorted.
    leaving: list[tuple[str, str]]
    joining: list[tuple[str, str]]


@dataclass
class RepinPreview:
    round: Round
    snapshot: RegistrySnapshot
    #: Only the districts where something changes, in DOPA order.
    districts: list[DistrictRepin]

    @property
    def changed(self) -> bool:
        return bool(self.districts)


def repin_preview(*, round: Round, snapshot: RegistrySnapshot) -> RepinPreview:
    """What pinning `round` to `snapshot` would change, per district: the base, the
    computed target, and the products that leave or join the round's forms. Reads only;
    four queries whatever the size of the country."""
    after = copy.copy(round)
    after.snapshot = snapshot
    # Each side places a product in the district its snapshot held: a product that
    # moved district leaves one district's forms and joins the other's.
    before = base_districts(round=round)
    after_districts = base_districts(round=after)
    moved = {
        pk
        for pk in before.keys() | after_districts.keys()
        if before.get(pk) != after_districts.get(pk)
    }
    products = {
        p["id"]: p
        for p in Product.objects.filter(id__in=moved)
        .order_by()
        .values("id", "name", "entrepreneur__code")
    }
    counts: dict[str, list[int]] = {}
    for places, i in ((before, 0), (after_districts, 1)):
        for code in places.values():
            counts.setdefault(code, [0, 0])[i] += 1
    changes: dict[str, tuple[list, list]] = {}
    for pk in moved:
        p = products[pk]
        for places, i in ((before, 0), (after_districts, 1)):
            if pk in places:
                side = changes.setdefault(places[pk], ([], []))
                side[i].append((p["entrepreneur__code"], p["name"]))
    names = dict(District.objects.filter(code__in=changes).values_list("code", "name_th"))
    out = []
    for code in sorted(changes):
        leaving, joining = changes[code]
        before_count, after_count = counts.get(code, [0, 0])
        out.append(
            DistrictRepin(
                code=code,
                name=names.get(code, ""),
                products_before=before_count,
                products_after=after_count,
                target_before=round.computed_target(before_count),
                target_after=after.computed_target(after_count),
                leaving=sorted(leaving),
                joining=sorted(joining),
            )
        )
    return RepinPreview(round=round, snapshot=snapshot, districts=out)


def snapshot_latest() -> RegistrySnapshot | None:
    """The snapshot a new round pins: the latest by date (then by import)."""
    return RegistrySnapshot.objects.defer("summary").order_by("-as_of", "-id").first()


def as_held(*, round: Round, products: list[dict], key: str = "id") -> None:
    """Set the "registered", "status", "registered_year", and where the dicts have them
    "type" and "district_id", of product dicts to what the round's snapshot held (a
    product it did not hold is not registered), so that a page or an import explains
    the round's base as the round counts it (base_q). A round with no snapshot counts
    the live registry: the dicts stay as they are. One query."""
    if round.snapshot_id is None or not products:
        return
    held = {
        row[0]: row[1:]
        for row in SnapshotProduct.objects.filter(
            snapshot_id=round.snapshot_id, product_id__in=[p[key] for p in products]
        ).values_list("product_id", "status", "registered_year", "type", "district_id")
    }
    for p in products:
        found = held.get(p[key])
        p["registered"] = found is not None
        if found is not None:
            p["status"], p["registered_year"] = found[0], found[1]
            if "type" in p:
                p["type"] = found[2]
            if "district_id" in p:
                p["district_id"] = found[3]


def round_a_year_earlier(*, round: Round) -> Round | None:
    """The same round of the fiscal year before ("2564-2" for "2565-2"), or None: the
    round whose totals are this one's baselines, shown beside it year over year. One
    row by its unique key, as round_get reads it."""
    return _round_by_key.get(year=round.fiscal_year_id - 1, number=round.number)
