import logging

from django.conf import settings
from django.db import DatabaseError
from django.middleware.gzip import GZipMiddleware
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.cache import patch_cache_control

from otop_portal.errors import database_busy, is_database_busy

logger = logging.getLogger(__name__)


#: Content types that are compressed already: gzipping them again costs the server CPU
#: for a few bytes (an .xlsx is a zip file).
COMPRESSED_TYPES = (
    "application/vnd.openxmlformats-officedocument.",
    "application/vnd.oasis.opendocument.",
    "application/zip",
    "application/gzip",
    "image/png",
    "image/jpeg",
)


class CompressPagesMiddleware(GZipMiddleware):
    """Django's GZipMiddleware for pages and data, not for files that are zip archives
    already (the workbooks officers download: 16 KB of xlsx took 20 ms more to gzip for
    nothing, issue #19)."""

    def process_response(self, request, response):
        if response.get("Content-Type", "").startswith(COMPRESSED_TYPES):
            return response
        return super().process_response(request, response)


class ThaiFirstLocaleMiddleware(LocaleMiddleware):
    """Thai unless the user chose English with the language switcher.

    Django's LocaleMiddleware would follow the browser's Accept-Language, and many office
    computers run an English browser: district officers would then get the English UI
    without asking for it. Here only the language cookie set by the switcher counts.
    """

    def process_request(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class PrivateCacheMiddleware:
    """`Cache-Control: private, no-store` on every page of a signed-in user and on every
    download: a district's figures must not stay in a shared proxy's cache, nor in the
    browser's cache of an office computer after its user signed out."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        download = response.get("Content-Disposition", "").lower().startswith("attachment")
        if download or _signed_in(request):
            patch_cache_control(response, private=True, no_store=True)
        return response


def _signed_in(request) -> bool:
    user = getattr(request, "user", None)
    try:
        return bool(user is not None and user.is_authenticated)
    except DatabaseError:
        # The session could not be read: treat the page as private.
        return True


class DatabaseBusyMiddleware:
    """A save that could not get the database's lock in time (SQLite's busy timeout,
    PostgreSQL's lock timeout or deadlock) answers 503 with a Thai "try again" page, not a
    server error. Nothing of it was saved: its transaction was rolled back."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_database_busy(exception):
            logger.warning("Database busy on %s %s: %s", request.method, request.path, exception)
            return database_busy(request)
        return None
