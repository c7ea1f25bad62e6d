from django.urls import path

from dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("rounds/<round:round_code>/", views.country, name="country"),
    path("rounds/<round:round_code>/dashboard.xlsx", views.country_xlsx, name="country_xlsx"),
    path("rounds/<round:round_code>/dashboard.csv", views.country_csv, name="country_csv"),
    path("rounds/<round:round_code>/provinces/<str:code>/", views.province, name="province"),
    path(
        "rounds/<round:round_code>/provinces/<str:code>/dashboard.xlsx",
        views.province_xlsx,
        name="province_xlsx",
    ),
    path(
        "rounds/<round:round_code>/provinces/<str:code>/print/",
        views.province_print,
        name="province_print",
    ),
    path(
        "rounds/<round:round_code>/provinces/<str:code>/dashboard.csv",
        views.province_csv,
        name="province_csv",
    ),
    path(
        "rounds/<round:round_code>/provinces/<str:code>/targets-progress.xlsx",
        views.targets_progress_xlsx,
        name="targets_progress",
    ),
    path("rounds/<round:round_code>/provinces/<str:code>/review/", views.review, name="review"),
    path(
        "rounds/<round:round_code>/provinces/<str:code>/review/approve/",
        views.review_approve,
        name="review_approve",
    ),
    path("rounds/<round:round_code>/districts/<str:code>/", views.district, name="district"),
]
