"""The static files' storage in production: whitenoise's compressed, hashed files, with
each file's URL made once.

`{% static %}` asks the storage for a URL on every page: base.html alone asks three
times, and each asks the manifest again through Django's name handling (a tenth of a
millisecond each on the bench machine, issue #19). The manifest does not change while
the process runs, so neither does a name's URL; collectstatic, which writes a new one,
forgets them.
"""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name, force=False):
        if force:
            return super().url(name, force)
        try:
            return self._urls[name]
        except KeyError:
            url = self._urls[name] = super().url(name)
            return url

    def post_process(self, *args, **kwargs):
        self._urls.clear()
        yield from super().post_process(*args, **kwargs)
