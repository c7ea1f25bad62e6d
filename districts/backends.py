"""The sign-in backend: Django's ModelBackend, reading each request's user with the
district or province it answers for.

Every signed-in page shows the user's area in its header (base.html, `user.area`):
read with the user, it costs no query of its own (issue #19)."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from districts.models import User


class UserBackend(ModelBackend):
    def get_user(self, user_id):
        # Not in the manager's default queryset: select_for_update() (which
        # update_or_create() uses) refuses the nullable joins on PostgreSQL.
        user = (
            User._default_manager.select_related("district", "province").filter(pk=user_id).first()
        )
        if user is None or not self.user_can_authenticate(user):
            return None
        return user
