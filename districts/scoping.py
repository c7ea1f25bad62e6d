"""Who sees what, decided in one place.

Every model whose rows belong to a district gets a QuerySet built from
ScopedQuerySet and names the path from itself to its district in `district_path`.
`Model.objects.visible_to(user)` is then the only way views fetch such rows:
- an administrator sees everything;
- provincial staff see the districts of their province;
- a district officer sees their own district;
- anyone else sees nothing.

A page or a job that names a district or a province in its URL or parameters gets it
through `get_district_for_user` or `get_province_for_user` (districts.selectors, which
read through these rules): outside the user's scope it does not exist (404).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Role(models.TextChoices):
    OFFICER = "officer", _("เจ้าหน้าที่อำเภอ")
    PROVINCE = "province", _("เจ้าหน้าที่จังหวัด")
    ADMIN = "admin", pgettext_lazy("role", "ผู้ดูแลระบบ")


class ScopedQuerySet(models.QuerySet):
    #: The lookup path from this model to its District, e.g. "survey__district".
    district_path: str = "district"

    def visible_to(self, user) -> ScopedQuerySet:
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser or user.role == Role.ADMIN:
            return self.all()
        if user.role == Role.PROVINCE and user.province_id:
            return self.filter(**{f"{self.district_path}__province_id": user.province_id})
        if user.role == Role.OFFICER and user.district_id:
            return self.filter(**{f"{self.district_path}_id": user.district_id})
        return self.none()


def can_see_district(user, district) -> bool:
    """The same rule as ScopedQuerySet.visible_to, for one district already in hand."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser or user.role == Role.ADMIN:
        return True
    if user.role == Role.PROVINCE:
        return user.province_id is not None and district.province_id == user.province_id
    if user.role == Role.OFFICER:
        return user.district_id is not None and district.code == user.district_id
    return False


def can_edit_district(user, district) -> bool:
    """Only the district's own officers (and administrators) write a district's forms."""
    if not can_see_district(user, district):
        return False
    return user.is_superuser or user.role in (Role.ADMIN, Role.OFFICER)


def can_review_district(user, district) -> bool:
    """Provincial staff of the district's province (and administrators) review its forms."""
    if not can_see_district(user, district):
        return False
    return user.is_superuser or user.role in (Role.ADMIN, Role.PROVINCE)


def can_review_province(user, province) -> bool:
    """Provincial staff of the province and administrators review its forms (the same
    rule as provinces_overseen, for a province already in hand)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser or user.role == Role.ADMIN:
        return True
    return user.role == Role.PROVINCE and user.province_id == province.code


class DistrictForm:
    """The rules above as methods of a district's form (a model with a `district`): the
    review workflow (otop_portal.workflow.Submission) asks the form through them."""

    def editable_by(self, user) -> bool:
        return can_edit_district(user, self.district)

    def reviewable_by(self, user) -> bool:
        return can_review_district(user, self.district)
