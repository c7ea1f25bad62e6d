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


# ---------------------------------------------------------------------------
# Third-party apps: superusers only
# ---------------------------------------------------------------------------

#: The apps whose admin shows the site's workings rather than the department's data:
#: login attempts with usernames and addresses (axes) and the task queue's results with
#: their arguments (django-tasks' database backend).
SUPERUSER_ONLY_APPS = ("axes", "django_tasks_database")


class SuperuserOnlyAdmin:
    """Mixed into a third-party ModelAdmin: staff who are not superusers neither see its
    models in the admin's index and menu nor open their pages (403), whatever permissions
    they were given; superusers keep the app's own admin unchanged."""

    def has_module_permission(self, request):
        return request.user.is_superuser and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args):
        return request.user.is_superuser and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)


def superuser_only_register(site: admin.AdminSite = admin.site) -> None:
    """Register the SUPERUSER_ONLY_APPS' models again with their admin made superuser-only
    (idempotent). Their admin modules were loaded before this one: the apps come before
    the portal's in INSTALLED_APPS, which the admin's autodiscovery follows."""
    for model, model_admin in list(site._registry.items()):
        if model._meta.app_label not in SUPERUSER_ONLY_APPS:
            continue
        if isinstance(model_admin, SuperuserOnlyAdmin):
            continue
        base = type(model_admin)
        restricted = type(base.__name__, (SuperuserOnlyAdmin, base), {"__module__": __name__})
        site.unregister(model)
        site.register(model, restricted)


superuser_only_register()
