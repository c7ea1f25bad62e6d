from django.contrib import admin

from jobs.models import Job
from otop_portal.admin_files import StoredFilesAdmin


@admin.register(Job)
class JobAdmin(StoredFilesAdmin):
    """Jobs are made by the pages and run by workers: the admin only looks."""

    stored_files = {"input_file": "input_name", "output_file": "output_name"}

    list_display = [
        "id",
        "kind",
        "label",
        "user",
        "status",
        "done",
        "total",
        "created_at",
        "finished_at",
        "runner",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["label", "input_name", "user__username", "task_result_id"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
