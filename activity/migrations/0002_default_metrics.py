from django.db import migrations

DEFAULT_METRICS = [
    # code, Chinese name, English name, order
    ("visits", "拜访", "Visits", 10),
    ("leaflets", "折页", "Leaflets", 20),
    ("phone_numbers", "留电话", "Phone numbers collected", 30),
    ("callbacks", "电话回访", "Callbacks", 40),
    ("closings", "促成", "Closings", 50),
]


def seed(apps, schema_editor):
    Metric = apps.get_model("activity", "Metric")
    for code, name, name_en, order in DEFAULT_METRICS:
        Metric.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "order": order}
        )


def unseed(apps, schema_editor):
    apps.get_model("activity", "Metric").objects.filter(
        code__in=[m[0] for m in DEFAULT_METRICS], values__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("activity", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
