from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "jobs"
    verbose_name = _("งานเบื้องหลัง")

    def ready(self) -> None:
        # The handlers register themselves by kind when their module is imported; the
        # web process and every worker need the same registry.
        from jobs import handlers  # noqa: F401
