"""Sign-off reminders stored before they had a plural form (11b0789) keep the one
English form in their source, so an English reader still sees "1 daily logs are
waiting for your sign-off" in the bell. Their source becomes the plural message the
reminder now stores, with the count it already kept. A site whose default language is
English stored the title itself as "1 daily logs ...": that title is corrected too (a
Chinese one, 有 1 份工作日志等待您签批, was right and stays)."""

from django.db import migrations

SINGULAR = "%(n)d daily log is waiting for your sign-off"
PLURAL = "%(n)d daily logs are waiting for your sign-off"


def give_plural_form(apps, schema_editor):
    Notification = apps.get_model("activity", "Notification")
    single_form = Notification.objects.filter(
        kind="sign_off_pending", title_source__msgid=PLURAL
    ).only("pk", "title", "title_source")
    batch = []
    for notification in single_form.iterator(chunk_size=500):
        params = notification.title_source.get("params", {})
        if not isinstance(params.get("n"), int):
            continue  # not the count this message formats: leave it as stored
        if params["n"] == 1 and notification.title == PLURAL % params:
            notification.title = SINGULAR % params
        notification.title_source = {
            "msgid": SINGULAR,
            "plural": PLURAL,
            "number": params["n"],
            "params": params,
        }
        batch.append(notification)
        if len(batch) == 500:
            Notification.objects.bulk_update(batch, ["title", "title_source"])
            batch = []
    Notification.objects.bulk_update(batch, ["title", "title_source"])


class Migration(migrations.Migration):
    dependencies = [("activity", "0014_goal_sheet_change_notifications")]
    # Not undone on the way back: the previous release writes and reads this plural form.
    operations = [migrations.RunPython(give_plural_form, migrations.RunPython.noop)]
