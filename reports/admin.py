from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from otop_portal.admin_files import StoredFilesAdmin
from otop_portal.totals import totals_changed
from reports.models import PlausibilityThresholds, Report, ReportLine, ReportUpload


@admin.register(Report)
class ReportAdmin(SimpleHistoryAdmin):
    list_display = [
        "district",
        "round",
        "status",
        "late",
        "submitted_at",
        "reviewed_at",
        "updated_at",
    ]
    list_filter = ["round", "status", "late", "district__province"]
    search_fields = ["district__name_th", "district__code"]
    raw_id_fields = ["district", "submitted_by", "reviewed_by"]
    list_select_related = ["district", "round", "round__fiscal_year"]
    # A report has one line per base product (hundreds): its lines are listed in the
    # ReportLine admin, filtered by report, rather than inline.
    readonly_fields = ["updated_at"]


@admin.register(ReportLine)
class ReportLineAdmin(SimpleHistoryAdmin):
    list_display = ["product", "report", "sales_baseline", "answered_at"]
    list_filter = ["report__round", "report__district__province"]
    search_fields = ["product__name", "product__entrepreneur__code", "report__district__name_th"]
    raw_id_fields = ["report", "product", "answered_by"]
    list_select_related = ["product", "report", "report__district", "report__round"]


@admin.register(ReportUpload)
class ReportUploadAdmin(StoredFilesAdmin):
    stored_files = {"file": "original_name", "problems_file": ""}
    list_display = ["original_name", "report", "uploaded_by", "uploaded_at", "outcome"]
    list_filter = ["outcome", "report__round"]
    search_fields = ["original_name", "report__district__name_th"]
    raw_id_fields = ["report"]
    list_select_related = ["report", "report__district", "report__round", "uploaded_by"]
    # An upload records a file a district sent (provenance): it is never made or its file
    # replaced by hand, which would also bypass the upload checks (size, content).
    readonly_fields = [
        "file",
        "problems_file",
        "original_name",
        "uploaded_by",
        "uploaded_at",
        "summary",
    ]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(PlausibilityThresholds)
class PlausibilityThresholdsAdmin(admin.ModelAdmin):
    """A round's thresholds for the plausibility checks. A round without a row uses the
    model's defaults; adding one here changes them for that round only."""

    list_display = [
        "round",
        "spike_ratio",
        "spike_min_amount",
        "baseline_ratio",
        "baseline_min_total",
        "copy_min_months",
        "copy_min_entrepreneurs",
    ]
    list_select_related = ["round", "round__fiscal_year"]

    # Every district's flagged lines in the round follow the thresholds: their totals
    # (issue #19) are recomputed in the same transaction as the change.
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        totals_changed(round_ids=[obj.round_id])

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        totals_changed(round_ids=[obj.round_id])
