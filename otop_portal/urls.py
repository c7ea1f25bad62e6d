from django.contrib import admin
from django.urls import include, path, register_converter
from django.utils.translation import gettext_lazy as _

from otop_portal.converters import RoundCodeConverter

register_converter(RoundCodeConverter, "round")

# The admin under the portal's name, not "Django administration".
admin.site.site_header = _("ระบบจัดการ OTOP ตลาดออนไลน์")
admin.site.site_title = _("ระบบจัดการ OTOP ตลาดออนไลน์")

# The portal's own error pages, in Thai and in its layout (otop_portal.errors).
handler400 = "otop_portal.errors.bad_request"
handler403 = "otop_portal.errors.permission_denied"
handler404 = "otop_portal.errors.page_not_found"
handler500 = "otop_portal.errors.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("dashboards.urls")),
    path("", include("products.urls")),
    path("", include("surveys.urls")),
    path("", include("reports.urls")),
    path("", include("plans.urls")),
    path("", include("jobs.urls")),
]

# Stored files (settings.MEDIA_ROOT: uploads, jobs' results) have no route of their own,
# DEBUG or not: each is served by a view that checks the user's scope
# (otop_portal.downloads.stored_file).
