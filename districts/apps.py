from django.apps import AppConfig


class DistrictsConfig(AppConfig):
    name = "districts"
    verbose_name = "ภูมิศาสตร์และผู้ใช้"
