"""The project's URLs plus /bench-bare/, which answers "ok" (bench/bare_settings.py)."""

from django.http import HttpResponse
from django.urls import include, path


def bare(request):
    return HttpResponse("ok")


urlpatterns = [
    path("bench-bare/", bare),
    path("", include("otop_portal.urls")),
]
