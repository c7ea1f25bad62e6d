from django.urls import path

from plans import views

app_name = "plans"

_district = "rounds/<round:round_code>/districts/<str:code>/plan/"
_province = "rounds/<round:round_code>/provinces/<str:code>/plan"

urlpatterns = [
    path(_district, views.district_plan, name="district"),
    path(f"{_district}products/<int:product_id>/followup/", views.followup_save, name="followup"),
    path(f"{_province}/", views.province_plan, name="province"),
    path(f"{_province}.xlsx", views.province_plan_xlsx, name="province_xlsx"),
]
