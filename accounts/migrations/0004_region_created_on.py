import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_must_change_password"),
    ]

    operations = [
        # Regions already there stay empty ("always there"): added without a default, so
        # the column is not filled with the day of the migration.
        migrations.AddField(
            model_name="region",
            name="created_on",
            field=models.DateField(
                blank=True, editable=False, null=True, verbose_name="created on"
            ),
        ),
        # New regions get the day they are created (a Python default: nothing to write).
        migrations.AlterField(
            model_name="region",
            name="created_on",
            field=models.DateField(
                blank=True,
                default=django.utils.timezone.localdate,
                editable=False,
                null=True,
                verbose_name="created on",
            ),
        ),
    ]
