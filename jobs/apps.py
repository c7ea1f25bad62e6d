from django.apps import AppConfig


class JobsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "jobs"
    verbose_name = "งานเบื้องหลัง"

    def ready(self) -> None:
        # The handlers register themselves by kind when their module is imported; the
        # web process and every worker need the same registry.
        from jobs import handlers  # noqa: F401
