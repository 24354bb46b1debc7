"""People deactivated before leaving ended their region membership (the admin did not
until 0af659a) are still open members: the RM's week grid lists them as 未填 every day
and the summaries count them in the headcount, so 人均 falls. Nothing recorded the day
they were deactivated (User has no such date; the admin's history names the field in
the admin's language and the import writes none), so their membership ends now: the
day before the migration runs, as `accounts.services.user_deactivate` ends it for
someone who leaves in the morning. Weeks before keep them, with their logs."""

import datetime

from django.db import migrations
from django.utils import timezone


def end_leavers_memberships(apps, schema_editor, today: datetime.date | None = None):
    RegionMembership = apps.get_model("accounts", "RegionMembership")
    today = today or timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)
    leavers = RegionMembership.objects.filter(user__is_active=False)
    # A membership that had not begun by the time they left has no day of its own.
    leavers.filter(start_date__gt=today).delete()
    open_ones = leavers.filter(end_date__isnull=True) | leavers.filter(end_date__gt=today)
    for membership in open_ones:
        membership.end_date = max(yesterday, membership.start_date)
        membership.save(update_fields=["end_date"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0007_region_closed_on")]
    # Not undone on the way back: the end dates it set cannot be told from ones set since,
    # and the previous release reads an ended membership as any other.
    operations = [migrations.RunPython(end_leavers_memberships, migrations.RunPython.noop)]
