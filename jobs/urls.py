from django.urls import path

from jobs import views

app_name = "jobs"

urlpatterns = [
    path("jobs/", views.job_list, name="list"),
    path("jobs/<int:job_id>/", views.job_detail, name="detail"),
    path("jobs/<int:job_id>/status.json", views.job_status, name="status"),
    path("jobs/<int:job_id>/download/", views.job_download, name="download"),
    path("jobs/export/", views.job_export_start, name="export"),
]
