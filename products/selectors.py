"""Reads of the registry: the KPI base and the targets of districts in a round.

`targets_for_districts` is the only place that counts a district's base and decides
its effective target. The attachment-1 export, the targets page, the KPI selector
(reports.selectors) and the dashboard all read it, so their figures always agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from districts.models import District
from products.models import Product, RegistrySnapshot, Round, Target


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


def round_get(code: str) -> Round | None:
    """The round with a code such as "2564-2", or None."""
    try:
        year, number = (int(part) for part in code.split("-"))
    except ValueError:
        return None
    # The snapshot's summary is a country's per-district report of its import (about
    # 200 KB of JSON): no page that loads a round shows it, and decoding it cost every
    # page 5 ms.
    return (
        Round.objects.select_related("fiscal_year", "snapshot")
        .defer("snapshot__summary")
        .filter(fiscal_year_id=year, number=number)
        .first()
    )


def get_round_or_404(code: str) -> Round:
    """round_get for a page: an unknown round is a 404."""
    round = round_get(code)
    if round is None:
        raise Http404
    return round


def round_current() -> Round | None:
    return (
        Round.objects.select_related("fiscal_year", "snapshot").defer("snapshot__summary").first()
    )


def registry_label(*, round: Round) -> str:
    """The registry snapshot a district's form is matched against, as a refusal names it
    ("ทะเบียน ณ 1 มกราคม 2567"): the round's snapshot, else the latest one; "" if none."""
    snapshot = round.snapshot if round.snapshot_id else None
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
    counts = {
        row["district_id"]: row
        # order_by(): Product's default ordering would join the entrepreneurs (Django
        # keeps the join of an ordering it drops from a GROUP BY), a scan of all of
        # them at country scale.
        for row in Product.objects.base(round)
        .filter(district_id__in=codes)
        .order_by()
        .values("district_id")
        .annotate(products=Count("id"), entrepreneurs=Count("entrepreneur_id", distinct=True))
    }
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


def base_filter_for(round: Round, prefix: str = "") -> Q:
    """The base condition as a Q on a related path, e.g. prefix="product__"."""
    return Q(
        **{
            f"{prefix}registered": True,
            f"{prefix}status": "active",
            f"{prefix}registered_year__gte": round.window_start,
            f"{prefix}registered_year__lte": round.window_end,
        }
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
