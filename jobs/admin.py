from django.contrib import admin

from jobs.models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    """Jobs are made by the pages and run by workers: the admin only looks."""

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
