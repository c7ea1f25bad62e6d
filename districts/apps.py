from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DistrictsConfig(AppConfig):
    name = "districts"
    verbose_name = _("ภูมิศาสตร์และผู้ใช้")

    def ready(self) -> None:
        # The admin lists apps by their AppConfig's name, which these third-party apps
        # do not translate ("AXES", "TASKS DATABASE BACKEND"). Their models' names are
        # translated in locale/th.
        from django.apps import apps

        names = {"axes": _("ความปลอดภัยการเข้าสู่ระบบ"), "django_tasks_database": _("คิวงาน")}
        for label, name in names.items():
            if label in apps.app_configs:
                apps.app_configs[label].verbose_name = name

        # Buddhist-era dates and grouped amounts in the admin, as on the other pages.
        from districts import admin_display

        admin_display.install()
