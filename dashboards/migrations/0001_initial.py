# The reminder log, moved from districts: the model joins this app's state while its
# table (districts_reminderlog, with its rows and constraints) stays untouched.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def content_type_move(apps, schema_editor):
    """Keep the reminder log's content type, and the permissions that point to it, by
    giving it to dashboards instead of letting a second one be created."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="districts", model="reminderlog").update(
        app_label="dashboards"
    )


def content_type_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="dashboards", model="reminderlog").update(
        app_label="districts"
    )


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("districts", "0004_move_reminderlog_to_dashboards"),
        ("products", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ReminderLog",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("survey", "แบบสำรวจความพร้อม"),
                                    ("report", "แบบรายงานผล"),
                                ],
                                max_length=10,
                                verbose_name="แบบ",
                            ),
                        ),
                        ("sent_on", models.DateField(verbose_name="วันที่เตือน")),
                        (
                            "days_to_deadline",
                            models.IntegerField(
                                help_text="ติดลบเมื่อพ้นกำหนดแล้ว",
                                verbose_name="จำนวนวันถึงกำหนด",
                            ),
                        ),
                        ("email", models.EmailField(max_length=254, verbose_name="อีเมล")),
                        ("sent_at", models.DateTimeField(auto_now_add=True, verbose_name="ส่งเมื่อ")),
                        (
                            "district",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="reminders",
                                to="districts.district",
                                verbose_name="อำเภอ",
                            ),
                        ),
                        (
                            "round",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="reminders",
                                to="products.round",
                                verbose_name="รอบการประเมิน",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="reminders",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="ผู้รับ",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "การแจ้งเตือน",
                        "verbose_name_plural": "การแจ้งเตือน",
                        "db_table": "districts_reminderlog",
                        "ordering": ["-sent_on", "district", "kind"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("round", "user", "kind", "sent_on"),
                                name="reminder_once_a_day",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_type_move, content_type_back),
    ]
