# The reminder log moves to the dashboards app, which sends the reminders. Only Django's
# state changes here: the table stays as it is and dashboards' first migration takes it
# over under the same name (districts_reminderlog).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("districts", "0003_reminderlog"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ReminderLog")],
            database_operations=[],
        ),
    ]
