from django.urls import path  # noqa: F401

from products import views  # noqa: F401

app_name = "products"

urlpatterns: list = []
