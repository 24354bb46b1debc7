import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("planning", "0005_weeklyreview_week_start_index")]

    operations = [
        migrations.AddField(
            model_name="monthlygoalsheet",
            name="updated_at",
            field=models.DateTimeField(
                auto_now=True, default=django.utils.timezone.now, verbose_name="updated at"
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="weeklyreview",
            name="updated_at",
            field=models.DateTimeField(
                auto_now=True, default=django.utils.timezone.now, verbose_name="updated at"
            ),
            preserve_default=False,
        ),
    ]
