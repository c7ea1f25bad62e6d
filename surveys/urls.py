from django.urls import path

from surveys import views

app_name = "surveys"

SURVEY = "rounds/<round:round_code>/districts/<str:code>/survey/"

urlpatterns = [
    path(SURVEY, views.detail, name="detail"),
    path(
        f"{SURVEY}entrepreneurs/<str:entrepreneur_code>/", views.entrepreneur, name="entrepreneur"
    ),
    path(f"{SURVEY}submit/", views.submit, name="submit"),
    path(f"{SURVEY}review/", views.review, name="review"),
    path(f"{SURVEY}exception/", views.grant_exception, name="exception"),
    path(f"{SURVEY}export.xlsx", views.export, name="export"),
    path(f"{SURVEY}print/", views.print_form, name="print"),
    path(f"{SURVEY}upload/", views.upload, name="upload"),
    path(f"{SURVEY}upload/<int:upload_id>/", views.upload_reopen, name="upload_reopen"),
    path(f"{SURVEY}upload/<int:upload_id>/confirm/", views.upload_confirm, name="upload_confirm"),
    path(f"{SURVEY}upload/<int:upload_id>/discard/", views.upload_discard, name="upload_discard"),
    path(
        f"{SURVEY}upload/<int:upload_id>/problems.csv",
        views.upload_problems,
        name="upload_problems",
    ),
    path(f"{SURVEY}upload/<int:upload_id>/marked.xlsx", views.upload_marked, name="upload_marked"),
    path(
        "rounds/<round:round_code>/provinces/<str:code>/surveys/", views.province, name="province"
    ),
    path(
        "rounds/<round:round_code>/provinces/<str:code>/surveys.xlsx",
        views.province_export,
        name="province_export",
    ),
]
