"""The portal's own error pages: Thai (or English), in the portal's layout, with the
reason where there is one. Django's defaults are bare English pages that drop the Thai
reason given to PermissionDenied.

The ground floor: this module imports no app. The pages it renders extend base.html,
whose navigation comes from the context processors.
"""

from __future__ import annotations

import html
import logging
import sys

from django.db import DatabaseError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import REASON_NO_CSRF_COOKIE
from django.template import loader
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import requires_csrf_token

logger = logging.getLogger(__name__)

#: Seconds a client is asked to wait before trying a busy save again.
RETRY_AFTER_SECONDS = 5

MSG_BAD_REQUEST = gettext_lazy("คำขอไม่ถูกต้อง กรุณากลับไปหน้าก่อนแล้วลองอีกครั้ง")
MSG_FORBIDDEN = gettext_lazy("ท่านไม่มีสิทธิ์ทำรายการนี้")
MSG_NOT_FOUND = gettext_lazy("ไม่พบหน้าที่ต้องการ หรือหน้านี้อยู่นอกพื้นที่ที่ท่านดูแล")
MSG_SERVER_ERROR = gettext_lazy("ระบบขัดข้อง ผู้ดูแลระบบได้รับแจ้งแล้ว กรุณาลองใหม่ภายหลัง")
MSG_BUSY = gettext_lazy(
    "ขณะนี้มีผู้บันทึกข้อมูลพร้อมกันจำนวนมาก ระบบจึงยังไม่ได้บันทึกรายการของท่าน "
    "กรุณารอสักครู่แล้วกดบันทึกอีกครั้ง ข้อมูลที่บันทึกไว้ก่อนหน้านี้ไม่สูญหาย"
)
MSG_CSRF = gettext_lazy(
    "ส่งแบบฟอร์มไม่สำเร็จ เพราะหน้านี้เปิดค้างไว้นานเกินไป หรือท่านออกจากระบบไปแล้ว กรุณาโหลดหน้าใหม่แล้วส่งอีกครั้ง"
)
MSG_CSRF_NO_COOKIE = gettext_lazy(
    "ส่งแบบฟอร์มไม่สำเร็จ เพราะเบราว์เซอร์ไม่ได้ส่งคุกกี้ของระบบ "
    "กรุณาอนุญาตคุกกี้สำหรับเว็บไซต์นี้ แล้วโหลดหน้าใหม่และส่งอีกครั้ง"
)


def is_database_busy(exc: BaseException | None) -> bool:
    """Whether `exc` says the database could not be locked in time: SQLite's "database is
    locked" after its busy timeout, or PostgreSQL's lock timeout, deadlock or
    serialization failure. Trying again later can succeed."""
    if not isinstance(exc, DatabaseError):
        return False
    cause = exc.__cause__ or exc
    if getattr(cause, "pgcode", None) in ("55P03", "40P01", "40001"):
        return True
    text = str(exc).lower()
    return isinstance(exc, OperationalError) and (
        "database is locked" in text or "database table is locked" in text
    )


def _render(request: HttpRequest, template: str, context: dict, status: int) -> HttpResponse:
    """The page, or a plain line of text if even the page cannot be drawn (a template
    that needs the database while the database is the problem)."""
    try:
        body = loader.render_to_string(template, context, request)
    except Exception:  # noqa: BLE001 - the error page must not raise in turn
        logger.exception("The error page %s could not be rendered", template)
        body = f'<!doctype html><html lang="th"><meta charset="utf-8"><p>{html.escape(str(context["reason"]))}</p>'
    return HttpResponse(body, status=status)


def _wants_json(request: HttpRequest) -> bool:
    return request.headers.get("x-requested-with") == "fetch"


def database_busy(request: HttpRequest) -> HttpResponse:
    """503 with a "try again" page (or JSON for a save made with fetch)."""
    reason = str(MSG_BUSY)
    if _wants_json(request):
        response: HttpResponse = JsonResponse(
            {"ok": False, "busy": True, "message": reason, "errors": {}}, status=503
        )
    else:
        response = _render(
            request,
            "errors/error.html",
            {"title": _("ระบบไม่ว่างชั่วคราว"), "reason": reason, "quiet": True},
            503,
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render(
        request,
        "errors/error.html",
        {"title": _("คำขอไม่ถูกต้อง"), "reason": str(MSG_BAD_REQUEST)},
        400,
    )


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # The reason given to PermissionDenied is a message for the user (each one in the
    # portal is written in Thai and translated); Django's default page drops it.
    message = str(exception) if exception is not None and exception.args else ""
    return _render(
        request,
        "errors/error.html",
        {"title": _("ไม่มีสิทธิ์เข้าถึง"), "reason": message or str(MSG_FORBIDDEN)},
        403,
    )


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # Not the exception's text: "No Report matches the given query." is for developers,
    # and an object out of scope must look the same as one that does not exist.
    return _render(
        request,
        "errors/error.html",
        {"title": _("ไม่พบหน้านี้"), "reason": str(MSG_NOT_FOUND)},
        404,
    )


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    # Django calls this inside its `except` block, so the exception is still at hand: a
    # save that could not get the database's lock is a "try again", not a fault.
    if is_database_busy(sys.exc_info()[1]):
        return database_busy(request)
    return _render(
        request,
        "errors/error.html",
        {"title": _("ระบบขัดข้อง"), "reason": str(MSG_SERVER_ERROR), "quiet": True},
        500,
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    message = str(MSG_CSRF_NO_COOKIE) if reason == REASON_NO_CSRF_COOKIE else str(MSG_CSRF)
    return _render(
        request,
        "errors/error.html",
        {"title": _("ส่งแบบฟอร์มไม่สำเร็จ"), "reason": message},
        403,
    )
