from django.urls import path

from reports import views

app_name = "reports"

_district = "rounds/<round:round_code>/districts/<str:code>/"

urlpatterns = [
    path(f"{_district}report/", views.report_detail, name="detail"),
    path(f"{_district}report/lines/<int:line_id>/", views.line_save, name="line_save"),
    path(f"{_district}report/products/<int:product_id>/", views.line_start, name="line_start"),
    path(f"{_district}report/submit/", views.report_submit, name="submit"),
    path(f"{_district}report/review/", views.report_review, name="review"),
    path(f"{_district}report/exception/", views.report_exception, name="exception"),
    path(f"{_district}report/download/", views.report_download, name="download"),
    path(f"{_district}report/print/", views.report_print, name="print"),
    path(f"{_district}report/upload/", views.report_upload, name="upload"),
    path(
        f"{_district}report/upload/<int:upload_id>/",
        views.report_upload_reopen,
        name="upload_reopen",
    ),
    path(
        f"{_district}report/upload/<int:upload_id>/commit/",
        views.report_upload_commit,
        name="upload_commit",
    ),
    path(
        f"{_district}report/upload/<int:upload_id>/discard/",
        views.report_upload_discard,
        name="upload_discard",
    ),
    path(
        f"{_district}report/upload/<int:upload_id>/problems.csv",
        views.report_upload_problems,
        name="upload_problems",
    ),
    path(
        f"{_district}report/upload/<int:upload_id>/marked.xlsx",
        views.report_upload_marked,
        name="upload_marked",
    ),
    path(f"{_district}kpi/<str:which>/", views.kpi_explain, name="explain"),
    path(
        "rounds/<round:round_code>/provinces/<str:code>/reports/",
        views.province_reports,
        name="province",
    ),
    path(
        "rounds/<round:round_code>/provinces/<str:code>/reports/download/",
        views.province_download,
        name="province_download",
    ),
]
