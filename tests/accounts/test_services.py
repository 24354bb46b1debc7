"""Writes to the org tree: moves keep history and leave no log behind."""

import datetime

from accounts.services import membership_move
from activity.models import LogStatus
from tests import factories as f


def test_a_log_not_signed_off_yet_goes_with_its_author_to_the_new_region(org, today):
    """Re-test QA: an AM's log of today went to the old region's queue; the import then
    moved them from today, and their day was counted in a region they were no longer in."""
    submitted = f.DailyLogFactory(
        author=org.am, region=org.region, date=today, status=LogStatus.SUBMITTED
    )
    yesterday = today - datetime.timedelta(days=1)
    signed = f.DailyLogFactory(
        author=org.am,
        region=org.region,
        date=yesterday,
        status=LogStatus.SIGNED_OFF,
        signed_off_by=org.rm,
    )
    membership_move(user=org.am, region=org.other_region, start_date=today)
    submitted.refresh_from_db()
    signed.refresh_from_db()
    assert submitted.region == org.other_region  # the new RM's to sign off
    assert signed.region == org.region  # yesterday's, signed: a record stays put


def test_a_goal_sheet_waiting_for_agreement_goes_to_the_new_regions_rm(org, today):
    """Re-test QA: after a move from 1 December, the new RM was told the AM's December
    sheet waited for agreement, and only the old RM could agree it."""
    from planning.models import MonthlyGoalSheet, SheetStatus

    month = today.replace(day=1)
    waiting = MonthlyGoalSheet.objects.create(
        author=org.am, region=org.region, month=month, status=SheetStatus.SUBMITTED
    )
    agreed = MonthlyGoalSheet.objects.create(
        author=org.am,
        region=org.region,
        month=month - datetime.timedelta(days=31),
        status=SheetStatus.AGREED,
    )
    membership_move(user=org.am, region=org.other_region, start_date=today)
    waiting.refresh_from_db()
    agreed.refresh_from_db()
    assert waiting.region == org.other_region
    assert agreed.region == org.region  # last month's, agreed by the RM of the time
