from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("แบบสำรวจความพร้อม")

    def ready(self) -> None:
        # Registers this app's job handlers (jobs.registry), in the web process and in
        # every worker alike. Inside ready because the handlers import the models, which
        # exist only once the apps are loaded.
        # Imported here: selectors import the models, which load only once the app
        # registry is ready. A round with an approved survey refuses a re-pin.
        from products.services.rounds import approved_forms_register
        from surveys import job_handlers  # noqa: F401
        from surveys.selectors import approved_surveys

        approved_forms_register(approved_surveys)
