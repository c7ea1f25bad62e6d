"""The session engine: Django's database sessions, read by a prepared query.

Every signed-in request reads its session row. Django builds and compiles that query
again on each request; here it is compiled once (otop_portal.prepared, issue #19). The
rows, their encoding and the expiry rule are Django's own: a session that expired is
not read, as with `expire_date__gt=now` in the query.

    SESSION_ENGINE = "otop_portal.sessions"
"""

from __future__ import annotations

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from otop_portal.prepared import PreparedQuery

_session_by_key = PreparedQuery(lambda key: Session.objects.filter(session_key=key), key=str)


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self):
        session = _session_by_key.get(key=self.session_key) if self.session_key else None
        if session is None or session.expire_date <= timezone.now():
            self._session_key = None
            return None
        return session
