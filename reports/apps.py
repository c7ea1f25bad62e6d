from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("แบบรายงานผลและตัวชี้วัด")

    def ready(self) -> None:
        # Registers this app's job handlers (jobs.registry), in the web process and in
        # every worker alike. Inside ready because the handlers import the models, which
        # exist only once the apps are loaded.
        from reports import job_handlers  # noqa: F401
