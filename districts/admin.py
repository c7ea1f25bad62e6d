"""Admin of the geography and the accounts, and the province/district filters that the
other apps' admins reuse."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from districts.models import District, Province, Subdistrict, User


def province_filter(path: str = "district__province") -> type[admin.SimpleListFilter]:
    """A list filter by province for a model that reaches its province through `path`
    (e.g. "district__province", or "province" for a District)."""

    class ProvinceFilter(admin.SimpleListFilter):
        title = _("จังหวัด")
        parameter_name = "province"

        def lookups(self, request, model_admin):
            return list(Province.objects.values_list("code", "name_th"))

        def queryset(self, request, queryset):
            if self.value():
                return queryset.filter(**{f"{path}_id": self.value()})
            return queryset

    return ProvinceFilter


def district_filter(path: str = "district") -> type[admin.SimpleListFilter]:
    """A list filter by district that lists the districts of the province chosen in the
    province filter (listing all 928 at once would make the sidebar useless)."""

    class DistrictFilter(admin.SimpleListFilter):
        title = _("อำเภอ")
        parameter_name = "district"

        def lookups(self, request, model_admin):
            province = request.GET.get("province")
            if not province:
                return []
            return list(
                District.objects.filter(province_id=province).values_list("code", "name_th")
            )

        def queryset(self, request, queryset):
            if self.value():
                return queryset.filter(**{f"{path}_id": self.value()})
            return queryset

    return DistrictFilter


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ["code", "name_th", "name_en"]
    search_fields = ["code", "name_th", "name_en"]


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["code", "name_th", "name_en", "province"]
    list_select_related = ["province"]
    list_filter = [province_filter("province")]
    search_fields = ["code", "name_th", "name_en"]


@admin.register(Subdistrict)
class SubdistrictAdmin(admin.ModelAdmin):
    list_display = ["code", "name_th", "name_en", "district", "province_name"]
    list_select_related = ["district__province"]
    list_filter = [province_filter("district__province"), district_filter("district")]
    search_fields = ["code", "name_th", "name_en"]
    autocomplete_fields = ["district"]

    @admin.display(description=_("จังหวัด"), ordering="district__province__name_th")
    def province_name(self, obj: Subdistrict) -> str:
        return obj.district.province.name_th


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = [
        "username",
        "first_name",
        "last_name",
        "role",
        "province",
        "district",
        "is_active",
        "last_login",
    ]
    list_select_related = ["province", "district"]
    list_filter = [
        "role",
        province_filter("province"),
        district_filter("district"),
        "is_active",
        "is_staff",
    ]
    search_fields = ["username", "first_name", "last_name", "email"]
    autocomplete_fields = ["province", "district"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("บทบาทในพอร์ทัล"), {"fields": ("role", "province", "district")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("บทบาทในพอร์ทัล"), {"fields": ("role", "province", "district")}),
    )
