from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from districts.scoping import Role, ScopedQuerySet


class Province(models.Model):
    code = models.CharField(_("รหัสจังหวัด"), max_length=2, primary_key=True)
    name_th = models.CharField(_("ชื่อจังหวัด"), max_length=100)
    name_en = models.CharField(_("ชื่อภาษาอังกฤษ"), max_length=100)

    class ProvinceQuerySet(models.QuerySet):
        def visible_to(self, user):
            if user is None or not user.is_authenticated or not user.is_active:
                return self.none()
            if user.is_superuser or user.role == Role.ADMIN:
                return self.all()
            if user.province_id:
                return self.filter(code=user.province_id)
            return self.none()

    objects = ProvinceQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("จังหวัด")
        verbose_name_plural = _("จังหวัด")

    def __str__(self) -> str:
        return self.name_th


class DistrictQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser or user.role == Role.ADMIN:
            return self.all()
        if user.role == Role.PROVINCE and user.province_id:
            return self.filter(province_id=user.province_id)
        if user.role == Role.OFFICER and user.district_id:
            return self.filter(code=user.district_id)
        return self.none()


class District(models.Model):
    code = models.CharField(_("รหัสอำเภอ"), max_length=4, primary_key=True)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="districts")
    name_th = models.CharField(_("ชื่ออำเภอ"), max_length=100)
    name_en = models.CharField(_("ชื่อภาษาอังกฤษ"), max_length=100)

    objects = DistrictQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("อำเภอ")
        verbose_name_plural = _("อำเภอ")

    def __str__(self) -> str:
        return self.name_th


class SubdistrictQuerySet(ScopedQuerySet):
    district_path = "district"


class Subdistrict(models.Model):
    code = models.CharField(_("รหัสตำบล"), max_length=6, primary_key=True)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="subdistricts")
    name_th = models.CharField(_("ชื่อตำบล"), max_length=100)
    name_en = models.CharField(_("ชื่อภาษาอังกฤษ"), max_length=100)

    objects = SubdistrictQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("ตำบล")
        verbose_name_plural = _("ตำบล")

    def __str__(self) -> str:
        return self.name_th


class User(AbstractUser):
    """A portal user: a district officer, provincial staff, or an administrator."""

    role = models.CharField(_("บทบาท"), max_length=10, choices=Role.choices, default=Role.OFFICER)
    province = models.ForeignKey(
        Province,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("จังหวัด"),
    )
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("อำเภอ"),
    )

    class Meta:
        verbose_name = _("ผู้ใช้")
        verbose_name_plural = _("ผู้ใช้")

    def clean(self) -> None:
        super().clean()
        if self.role == Role.OFFICER and not self.district_id:
            raise ValidationError({"district": _("เจ้าหน้าที่อำเภอต้องมีอำเภอ")})
        if self.role == Role.PROVINCE and not self.province_id:
            raise ValidationError({"province": _("เจ้าหน้าที่จังหวัดต้องมีจังหวัด")})
        if self.district_id and self.district.province_id != self.province_id:
            # An officer's province always follows their district.
            self.province_id = self.district.province_id

    @property
    def is_officer(self) -> bool:
        return self.role == Role.OFFICER

    @property
    def is_province_staff(self) -> bool:
        return self.role == Role.PROVINCE

    @property
    def is_portal_admin(self) -> bool:
        return self.is_superuser or self.role == Role.ADMIN

    @property
    def area(self):
        """The district or province this user answers for, or None for administrators."""
        if self.role == Role.OFFICER:
            return self.district
        if self.role == Role.PROVINCE:
            return self.province
        return None
