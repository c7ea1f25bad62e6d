"""Stored files in the admin, served only through the admin.

Django's admin shows a FileField as a link to its storage URL (settings.MEDIA_URL),
which no route serves: stored files are never public. `StoredFilesAdmin` shows each
field named in `stored_files` as a link to a view of the same ModelAdmin, which finds
the object through the admin's own queryset and permissions (out of reach is a 404)
and sends the file as an attachment (otop_portal.downloads.stored_file).
"""

from __future__ import annotations

from django.contrib import admin
from django.http import Http404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from otop_portal.downloads import stored_file


class StoredFilesAdmin(admin.ModelAdmin):
    #: The FileFields of the model, shown as links to the admin's download view, each
    #: with the field that holds the name the user gave the file ("" for none).
    stored_files: dict[str, str] = {}

    def get_exclude(self, request, obj=None):
        return [*(super().get_exclude(request, obj) or ()), *self.stored_files]

    def get_readonly_fields(self, request, obj=None):
        fields = [
            f for f in super().get_readonly_fields(request, obj) if f not in self.stored_files
        ]
        return [*fields, "stored_file_links"]

    @admin.display(description=_("ไฟล์"))
    def stored_file_links(self, obj):
        links = []
        for field in self.stored_files:
            value = getattr(obj, field, None)
            if obj is None or obj.pk is None or not value:
                continue
            info = (self.opts.app_label, self.opts.model_name)
            url = reverse(f"admin:{info[0]}_{info[1]}_file", args=[obj.pk, field])
            label = self.opts.get_field(field).verbose_name
            links.append(format_html('<a href="{}">{}</a> ({})', url, label, value.name))
        return format_html("<br>".join(["{}"] * len(links)), *links) if links else "-"

    def get_urls(self):
        info = (self.opts.app_label, self.opts.model_name)
        own = [
            path(
                "<path:object_id>/file/<str:field>/",
                self.admin_site.admin_view(self.stored_file_view),
                name=f"{info[0]}_{info[1]}_file",
            )
        ]
        return own + super().get_urls()

    def stored_file_view(self, request, object_id: str, field: str):
        if field not in self.stored_files:
            raise Http404
        obj = self.get_object(request, object_id)
        if obj is None or not self.has_view_permission(request, obj):
            raise Http404
        value = getattr(obj, field)
        if not value:
            raise Http404
        name_field = self.stored_files[field]
        return stored_file(value, filename=getattr(obj, name_field, "") if name_field else "")
