from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("แบบรายงานผลและตัวชี้วัด")

    def ready(self) -> None:
        # Registers this app's job handlers (jobs.registry), in the web process and in
        # every worker alike. Inside ready because the handlers import the models, which
        # exist only once the apps are loaded.
        # Imported here: selectors import the models, which load only once the app
        # registry is ready. A round with an approved report refuses a re-pin.
        from products.services.rounds import approved_forms_register
        from reports import job_handlers  # noqa: F401
        from reports.selectors import approved_reports

        approved_forms_register(approved_reports)

        # Every write that changes a district's figures recomputes its totals row
        # (otop_portal.totals), whichever floor it is on, and the survey page reads what
        # the row keeps of its survey; imported here for the same reason.
        from otop_portal.totals import survey_totals_reader_register, totals_refresher_register
        from reports.selectors import survey_totals_kept
        from reports.services import district_totals_changed

        totals_refresher_register(district_totals_changed)
        survey_totals_reader_register(survey_totals_kept)
