from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("แบบรายงานผลและตัวชี้วัด")

    def ready(self) -> None:
        # Imported here: selectors import the models, which load only once the app
        # registry is ready. A round with an approved report refuses a re-pin.
        from products.services.rounds import approved_forms_register
        from reports.selectors import approved_reports

        approved_forms_register(approved_reports)
