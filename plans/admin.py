from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from plans.models import FollowUp


@admin.register(FollowUp)
class FollowUpAdmin(SimpleHistoryAdmin):
    list_display = ["product", "district", "round", "step", "on", "updated_by", "updated_at"]
    list_filter = ["round", "step", "district__province"]
    search_fields = [
        "product__name",
        "product__entrepreneur__code",
        "district__name_th",
        "district__code",
    ]
    raw_id_fields = ["product", "district", "updated_by"]
    list_select_related = ["product", "district", "round", "round__fiscal_year", "updated_by"]
    readonly_fields = ["updated_at"]
