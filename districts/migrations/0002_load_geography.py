"""Load every DOPA province, district and subdistrict from geothai.

The geography is reference data that every other table points at, so it ships with the
schema: a fresh database, a test database and a production database all have the same
77 provinces, 928 districts and 7,436 subdistricts. `manage.py load_geography` refreshes
it after a geothai upgrade.
"""

import geothai
from django.db import migrations


def load(apps, schema_editor):
    Province = apps.get_model("districts", "Province")
    District = apps.get_model("districts", "District")
    Subdistrict = apps.get_model("districts", "Subdistrict")
    provinces, districts, subdistricts = [], [], []
    for p in geothai.provinces():
        provinces.append(Province(code=p.code, name_th=p.name_th, name_en=p.name_en))
        for d in geothai.districts(p.code):
            districts.append(
                District(code=d.code, province_id=p.code, name_th=d.name_th, name_en=d.name_en)
            )
            for s in geothai.subdistricts(d.code):
                subdistricts.append(
                    Subdistrict(code=s.code, district_id=d.code, name_th=s.name_th,
                                name_en=s.name_en)
                )
    Province.objects.bulk_create(provinces, ignore_conflicts=True)
    District.objects.bulk_create(districts, ignore_conflicts=True, batch_size=500)
    Subdistrict.objects.bulk_create(subdistricts, ignore_conflicts=True, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("districts", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
