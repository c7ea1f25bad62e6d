"""The sign-in backend: Django's ModelBackend, reading each request's user with the
district (and its province) or the province it answers for.

Every signed-in page shows the user's area in its header (base.html, `user.area`), and
an officer's district pages are their own district's (get_district_for_user): read
with the user, they cost no query of their own. The query is compiled once
(otop_portal.prepared, issue #19)."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from districts.models import User
from otop_portal.prepared import PreparedQuery

# Not in the manager's default queryset: select_for_update() (which update_or_create()
# uses) refuses the nullable joins on PostgreSQL.
_user_by_id = PreparedQuery(
    lambda pk: User._default_manager.select_related("district__province", "province").filter(pk=pk),
    pk=int,
)


class UserBackend(ModelBackend):
    def get_user(self, user_id):
        try:
            user = _user_by_id.get(pk=int(user_id))
        except (TypeError, ValueError):
            return None
        if user is None or not self.user_can_authenticate(user):
            return None
        return user
