from django.core.management.base import BaseCommand

from districts.services import geography_load


class Command(BaseCommand):
    help = "Load or refresh Thailand's provinces, districts and subdistricts (DOPA codes) from geothai."

    def handle(self, *args, **options):
        result = geography_load()
        self.stdout.write(
            f"{result.provinces} provinces, {result.districts} districts, "
            f"{result.subdistricts} subdistricts ({result.created} new)."
        )
