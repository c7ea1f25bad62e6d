"""A file the portal hands to the browser, named and typed one way everywhere."""

from __future__ import annotations

from django.http import HttpResponse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def attachment(content: bytes | str, *, filename: str, content_type: str = XLSX) -> HttpResponse:
    """A response the browser saves as `filename` (an ASCII name: the form, round and
    area codes) instead of showing it."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
