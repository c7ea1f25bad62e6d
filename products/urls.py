from django.urls import path

from products import views

app_name = "products"

urlpatterns = [
    path(
        "rounds/<round:round_code>/provinces/<str:code>/targets/",
        views.targets,
        name="targets",
    ),
    path(
        "rounds/<round:round_code>/provinces/<str:code>/targets.xlsx",
        views.targets_xlsx,
        name="targets_xlsx",
    ),
    path(
        "rounds/<round:round_code>/provinces/<str:code>/targets/import/",
        views.targets_import_view,
        name="targets_import",
    ),
    path(
        "rounds/<round:round_code>/districts/<str:code>/target/",
        views.target_edit,
        name="target_edit",
    ),
]
