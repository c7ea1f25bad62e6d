"""Admin of the surveys app: for administrators' corrections, not daily work."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from otop_portal.admin_files import StoredFilesAdmin
from surveys.models import EntrepreneurAnswer, ProductAnswer, Survey, SurveyUpload


@admin.register(Survey)
class SurveyAdmin(SimpleHistoryAdmin):
    list_display = (
        "district",
        "round",
        "status",
        "late",
        "submitted_at",
        "reviewed_at",
        "updated_at",
    )
    list_filter = ("status", "late", "round", "district__province")
    list_select_related = ("district", "round__fiscal_year")
    search_fields = ("district__code", "district__name_th")
    raw_id_fields = ("district", "submitted_by", "reviewed_by")
    readonly_fields = ("updated_at",)


@admin.register(EntrepreneurAnswer)
class EntrepreneurAnswerAdmin(SimpleHistoryAdmin):
    list_display = (
        "entrepreneur",
        "survey",
        "trained",
        "selling_online",
        "has_standard",
        "sales_prev_year",
        "answered_at",
        "answered_by",
    )
    list_filter = (
        "survey__round",
        "survey__district__province",
        "trained",
        "selling_online",
        "has_standard",
    )
    list_select_related = (
        "entrepreneur",
        "survey__district",
        "survey__round__fiscal_year",
        "answered_by",
    )
    search_fields = ("entrepreneur__code", "entrepreneur__name")
    raw_id_fields = ("survey", "entrepreneur", "answered_by")
    readonly_fields = ("version",)


@admin.register(ProductAnswer)
class ProductAnswerAdmin(SimpleHistoryAdmin):
    list_display = ("product", "survey", "ready", "answered_at")
    list_filter = ("survey__round", "survey__district__province", "ready")
    list_select_related = ("product", "survey__district", "survey__round__fiscal_year")
    search_fields = ("product__name", "product__code", "product__entrepreneur__code")
    raw_id_fields = ("survey", "product")


@admin.register(SurveyUpload)
class SurveyUploadAdmin(StoredFilesAdmin):
    stored_files = {"file": "original_name", "problems_file": ""}
    list_display = ("original_name", "survey", "uploaded_by", "uploaded_at", "outcome")
    list_filter = ("outcome", "survey__round", "survey__district__province")
    list_select_related = ("survey__district", "survey__round__fiscal_year", "uploaded_by")
    search_fields = ("original_name", "survey__district__name_th")
    readonly_fields = (
        "survey",
        "file",
        "problems_file",
        "original_name",
        "uploaded_by",
        "uploaded_at",
        "summary",
    )
