"""Reads of the districts app: resolving names that people type to real DOPA areas, and
the districts and provinces a user may open (through districts.scoping's rules)."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from django.core.cache import cache
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from districts.models import District, Province, Subdistrict, User
from districts.scoping import Role
from otop_portal.cells import CellError, clean_text, display

# Words people type before a name, long forms first.
_PREFIXES = re.compile(r"^(?:จังหวัด|จ\.|อำเภอ|อ\.|กิ่งอำเภอ|กิ่ง อ\.|ตำบล|ต\.|เขต|แขวง)\s*")

MSG_UNKNOWN_PROVINCE = _("ไม่พบจังหวัด “%(value)s”%(hint)s")
MSG_UNKNOWN_DISTRICT = _("ไม่พบอำเภอ “%(value)s” ในจังหวัด%(province)s%(hint)s")
MSG_UNKNOWN_SUBDISTRICT = _("ไม่พบตำบล “%(value)s” ในอำเภอ%(district)s%(hint)s")
MSG_HINT = _(" ชื่อที่ใกล้เคียง: %(names)s")
MSG_READ_AS = _("“%(value)s” อ่านเป็น %(name)s (%(code)s)")


def name_key(value) -> str:
    """A place name without the level word (อำเภอ, อ., ต. ...), spaces or dots."""
    text = clean_text(value)
    text = _PREFIXES.sub("", text)
    return re.sub(r"[\s.]", "", text).lower()


@dataclass
class Resolved:
    obj: object
    #: Set when the name was not exact and was read as the closest real name.
    note: str | None = None


def _closest(key: str, names: dict[str, object], n: int = 3, cutoff: float = 0.0) -> list[str]:
    return difflib.get_close_matches(key, list(names), n=n, cutoff=cutoff)


@dataclass
class Gazetteer:
    """An in-memory index of one province's (or the whole country's) areas, loaded with
    three queries, for readers that resolve thousands of typed names."""

    provinces: dict[str, Province] = field(default_factory=dict)
    districts_by_province: dict[str, dict[str, District]] = field(default_factory=dict)
    subdistricts_by_district: dict[str, dict[str, Subdistrict]] = field(default_factory=dict)

    @classmethod
    def load(cls, province_codes: list[str] | None = None) -> Gazetteer:
        g = cls()
        provinces = Province.objects.all()
        districts = District.objects.all()
        subdistricts = Subdistrict.objects.all()
        if province_codes is not None:
            provinces = provinces.filter(code__in=province_codes)
            districts = districts.filter(province_id__in=province_codes)
            subdistricts = subdistricts.filter(district__province_id__in=province_codes)
        for p in provinces:
            g.provinces[name_key(p.name_th)] = p
            g.provinces[name_key(p.name_en)] = p
            g.provinces[p.code] = p
        by_code = {}
        for d in districts:
            by_code[d.code] = d
            names = g.districts_by_province.setdefault(d.province_id, {})
            names[name_key(d.name_th)] = d
            names[d.code] = d
            if d.code.endswith("01") and d.name_th.startswith("เมือง"):
                # "อ.เมือง" is the capital district of its province.
                names["เมือง"] = d
        for s in subdistricts:
            names = g.subdistricts_by_district.setdefault(s.district_id, {})
            names[name_key(s.name_th)] = s
            names[s.code] = s
        return g

    def province(self, value) -> Resolved:
        key = name_key(display(value))
        if key in self.provinces:
            return Resolved(self.provinces[key])
        return self._fuzzy(key, value, self.provinces, MSG_UNKNOWN_PROVINCE, {})

    def district(self, value, province: Province) -> Resolved:
        names = self.districts_by_province.get(province.code, {})
        key = name_key(display(value))
        if key in names:
            return Resolved(names[key])
        capital = f"เมือง{name_key(province.name_th)}"
        return self._fuzzy(
            key,
            value,
            {k: v for k, v in names.items() if not k.isdigit()},
            MSG_UNKNOWN_DISTRICT,
            {"province": province.name_th},
            also=capital,
        )

    def subdistrict(self, value, district: District) -> Resolved:
        names = self.subdistricts_by_district.get(district.code, {})
        key = name_key(display(value))
        if key in names:
            return Resolved(names[key])
        return self._fuzzy(
            key,
            value,
            {k: v for k, v in names.items() if not k.isdigit()},
            MSG_UNKNOWN_SUBDISTRICT,
            {"district": district.name_th},
        )

    @staticmethod
    def _fuzzy(key, value, names, message, params, also=None) -> Resolved:
        """Read a slip as the closest real name when it is clearly that one name: similar
        enough (difflib ratio 0.6 or more: กุซาง to ภูซาง is 0.6) and well ahead of the next
        candidate (by 0.2). Otherwise refuse, listing the closest candidates."""
        if not key:
            raise CellError(_("ต้องกรอก"), value)
        candidates = difflib.get_close_matches(key, list(names), n=3, cutoff=0.0)
        if candidates:
            best = candidates[0]
            ratio = difflib.SequenceMatcher(None, key, best).ratio()
            runner_up = (
                difflib.SequenceMatcher(None, key, candidates[1]).ratio()
                if len(candidates) > 1
                else 0.0
            )
            if ratio >= 0.6 and ratio - runner_up >= 0.2:
                obj = names[best]
                return Resolved(
                    obj,
                    MSG_READ_AS % {"value": display(value), "name": obj.name_th, "code": obj.code},
                )
        shown = []
        for c in candidates:
            label = f"{names[c].name_th} ({names[c].code})"
            if label not in shown:
                shown.append(label)
        hint = MSG_HINT % {"names": ", ".join(shown)} if shown else ""
        raise CellError(message % {"value": display(value), "hint": hint, **params}, value)


def district_resolve(value, *, province_code: str) -> Resolved:
    """Resolve one typed district name within a province (for forms and small readers)."""
    g = Gazetteer.load([province_code])
    province = Province.objects.get(code=province_code)
    return g.district(value, province)


def provinces_overseen(user):
    """The provinces whose every district `user` sees: all for administrators, their
    own for provincial staff, none for district officers (whose page is their district)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Province.objects.none()
    if user.is_superuser or user.role == Role.ADMIN:
        return Province.objects.all()
    if user.role == Role.PROVINCE and user.province_id:
        return Province.objects.filter(code=user.province_id)
    return Province.objects.none()


def get_district_for_user(user, code: str):
    """The district `code`, with its province, if `user` sees it; else a 404.

    An officer's own district is the one read with the user (districts.backends, with
    its province): District.objects.visible_to gives an officer that district alone, so
    no query is needed to find it (issue #19: every page of an officer asks)."""
    code = str(code)
    if (
        user is not None
        and user.is_authenticated
        and user.is_active
        and not user.is_superuser
        and user.role == Role.OFFICER
        and user.district_id == code
        and User.district.is_cached(user)
        and District.province.is_cached(user.district)
    ):
        return user.district
    return get_object_or_404(
        District.objects.visible_to(user).select_related("province"), code=code
    )


def get_province_for_user(user, code: str):
    """The province `code` if `user` oversees all of it (its provincial staff,
    administrators); else a 404. A district officer sees only their own district, so to
    them a province's pages do not exist."""
    return get_object_or_404(provinces_overseen(user), code=str(code))


#: How long a district's subdistricts are kept in the cache: DOPA's list changes once a
#: year at most (load_geography), and a page's filter may show it an hour late.
SUBDISTRICTS_CACHE_SECONDS = 3600


def subdistrict_choices(district: District) -> list[tuple[str, str]]:
    """(code, Thai name) of a district's subdistricts, in code order: the choices of the
    district pages' filters. Read from the cache rather than on every page (issue #19);
    load_geography clears it in the process that runs it, the servers within the hour."""
    key = f"districts:subdistricts:{district.pk}"
    found = cache.get(key)
    if found is None:
        found = list(
            Subdistrict.objects.filter(district_id=district.pk)
            .order_by("code")
            .values_list("code", "name_th")
        )
        cache.set(key, found, SUBDISTRICTS_CACHE_SECONDS)
    return found
