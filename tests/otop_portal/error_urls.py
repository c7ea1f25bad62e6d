"""The portal's URLs plus pages that fail on purpose, for tests/otop_portal/test_error_pages.py."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.db import OperationalError
from django.urls import path

from otop_portal.urls import handler400, handler403, handler404, handler500, urlpatterns


def _forbidden(request):
    raise PermissionDenied("เหตุผลภาษาไทยของการปฏิเสธ")


def _suspicious(request):
    raise SuspiciousOperation("bad")


def _crash(request):
    raise RuntimeError("a bug")


def _locked(request):
    raise OperationalError("database is locked")


urlpatterns = [
    path("test-errors/forbidden/", _forbidden),
    path("test-errors/suspicious/", _suspicious),
    path("test-errors/crash/", _crash),
    path("test-errors/locked/", _locked),
    *urlpatterns,
]
__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
