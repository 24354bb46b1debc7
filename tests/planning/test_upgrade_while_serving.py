"""An upgrade runs `migrate` while web processes of the release before still serve (one
machine between migrate and the restart, several during a rolling upgrade): what they
write must still go in."""

import datetime

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from planning.models import MonthlyGoalSheet, WeeklyReview

PREVIOUS_RELEASE = ("planning", "0005_weeklyreview_week_start_index")


def test_sheets_created_by_the_previous_release_go_in_and_get_a_save_time(org):
    """The previous release knows no updated_at: a new month's goal sheet or week's review
    it created broke on NOT NULL (a server error for the AM) until its process restarted."""
    old = MigrationExecutor(connection).loader.project_state(PREVIOUS_RELEASE).apps
    old_sheet = old.get_model("planning", "MonthlyGoalSheet").objects.create(
        author_id=org.am.pk, region_id=org.region.pk, month=datetime.date(2026, 3, 1)
    )
    old_review = old.get_model("planning", "WeeklyReview").objects.create(
        author_id=org.am.pk, region_id=org.region.pk, week_start=datetime.date(2026, 3, 2)
    )

    assert MonthlyGoalSheet.objects.get(pk=old_sheet.pk).updated_at is not None
    assert WeeklyReview.objects.get(pk=old_review.pk).updated_at is not None
