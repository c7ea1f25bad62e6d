"""The place a form is exported for: one district, a province, or the whole country."""

from __future__ import annotations

from django.db.models import QuerySet

from districts.models import District, Province


def place_districts(
    *, district: District | None = None, province: Province | None = None
) -> tuple[QuerySet[District], Province | None]:
    """The districts of the place (one district, a province's, or with neither the whole
    country's) and its province (None for the country)."""
    if district is not None:
        return District.objects.filter(code=district.code), district.province
    if province is not None:
        return District.objects.filter(province=province), province
    return District.objects.all(), None
