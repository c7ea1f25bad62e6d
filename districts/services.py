"""Writes of the districts app: loading the DOPA geography and creating accounts."""

from __future__ import annotations

from dataclasses import dataclass

import geothai
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.db import transaction

from districts.models import District, Province, Subdistrict, User
from districts.scoping import Role


@dataclass
class GeographyResult:
    provinces: int
    districts: int
    subdistricts: int
    created: int


def geography_load() -> GeographyResult:
    """Load (or refresh) all provinces, districts and subdistricts from geothai.

    Idempotent: rows are upserted by their DOPA code in three bulk statements.
    """
    provinces = [
        Province(code=p.code, name_th=p.name_th, name_en=p.name_en) for p in geothai.provinces()
    ]
    districts = [
        District(code=d.code, province_id=d.province_code, name_th=d.name_th, name_en=d.name_en)
        for p in geothai.provinces()
        for d in geothai.districts(p.code)
    ]
    subdistricts = [
        Subdistrict(code=s.code, district_id=s.district_code, name_th=s.name_th, name_en=s.name_en)
        for d in districts
        for s in geothai.subdistricts(d.code)
    ]
    before = Subdistrict.objects.count()
    with transaction.atomic():
        Province.objects.bulk_create(
            provinces,
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=["name_th", "name_en"],
        )
        District.objects.bulk_create(
            districts,
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=["province", "name_th", "name_en"],
            batch_size=500,
        )
        Subdistrict.objects.bulk_create(
            subdistricts,
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=["district", "name_th", "name_en"],
            batch_size=1000,
        )
    # The pages' subdistrict filters (districts.selectors.subdistrict_choices): at once
    # in this process, within the cache's hour in the servers'.
    cache.delete_many([f"districts:subdistricts:{d.code}" for d in districts])
    return GeographyResult(
        len(provinces), len(districts), len(subdistricts), len(subdistricts) - before
    )


class AccountError(Exception):
    pass


def user_create(
    *,
    username: str,
    role: str,
    area_code: str | None,
    password: str,
    email: str = "",
    validate: bool = True,
) -> User:
    """Create a portal account for a role and its area (a district or province DOPA code)."""
    if role not in Role.values:
        raise AccountError(f"role must be one of {', '.join(Role.values)}")
    if User.objects.filter(username=username).exists():
        raise AccountError(f"user {username!r} already exists")
    province = district = None
    if role == Role.OFFICER:
        district = District.objects.filter(code=area_code or "").first()
        if district is None:
            raise AccountError("an officer needs --area with a 4-digit district code, e.g. 5607")
        province = district.province
    elif role == Role.PROVINCE:
        province = Province.objects.filter(code=area_code or "").first()
        if province is None:
            raise AccountError("provincial staff need --area with a 2-digit province code, e.g. 56")
    user = User(
        username=username,
        role=role,
        province=province,
        district=district,
        email=email,
        is_staff=role == Role.ADMIN,
        is_superuser=role == Role.ADMIN,
    )
    # The username and e-mail as their fields allow (length, characters), so that a long
    # one is refused with the field's message rather than by the database.
    user.clean_fields(exclude=["password"])
    if validate:
        validate_password(password, user)
    user.set_password(password)
    user.save()
    return user
