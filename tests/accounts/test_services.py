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
