from django.db import migrations, models

# Counts one person on foot does not reach in a day: above them the log asks to confirm.
DEFAULT_CEILINGS = {
    "visits": 40,
    "leaflets": 500,
    "phone_numbers": 100,
    "callbacks": 100,
    "closings": 20,
}


def seed(apps, schema_editor):
    Metric = apps.get_model("activity", "Metric")
    for code, ceiling in DEFAULT_CEILINGS.items():
        Metric.objects.filter(code=code, daily_ceiling__isnull=True).update(daily_ceiling=ceiling)


class Migration(migrations.Migration):
    dependencies = [
        ("activity", "0012_help_requested_notifications"),
    ]

    operations = [
        migrations.AddField(
            model_name="metric",
            name="daily_ceiling",
            field=models.PositiveIntegerField(
                blank=True,
                help_text="A count above this on one day's log is to be confirmed before the "
                "log is handed in (a slip of the thumb: 1000 for 10). Nothing is refused. "
                "Blank: no ceiling.",
                null=True,
                verbose_name="confirm above",
            ),
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
