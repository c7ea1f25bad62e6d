"""A file the portal hands to the browser, named and typed one way everywhere."""

from __future__ import annotations

import mimetypes
import os

from django.http import FileResponse, HttpResponse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def attachment(content: bytes | str, *, filename: str, content_type: str = XLSX) -> HttpResponse:
    """A response the browser saves as `filename` (an ASCII name: the form, round and
    area codes) instead of showing it."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def stored_file(field_file, *, filename: str = "") -> FileResponse:
    """A file the portal keeps (an upload, a job's result) as a download: always an
    attachment, never shown in the browser, and never sniffed into another type (an
    uploaded .html must not run as a page of the portal). The caller has checked the
    user's scope: stored files are never served by their path (settings.MEDIA_URL)."""
    name = filename or os.path.basename(field_file.name)
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if content_type.startswith(("text/html", "image/svg", "application/xhtml", "text/xml")):
        content_type = "application/octet-stream"
    response = FileResponse(
        field_file.open("rb"), as_attachment=True, filename=name, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
