"""An AM moves to another branch from a day of a week already closed and summarised
(reorganisation QA: the move was entered late).

Her logs of the days from the move go with her, so both branches' snapshots of that week
are out of date: the new region's gained them and the old one lost them. Both must be
flagged and recomputed by the Monday roll-up, which counts each log once however often
it runs.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accounts.services import membership_move
from activity.models import Metric
from reports import selectors, services, tasks
from tests.reports.test_summary import MONDAY, SUNDAY, TODAY, log, row

WEDNESDAY = MONDAY + datetime.timedelta(days=2)


@pytest.fixture
def visits(db):
    return Metric.objects.get(code="visits")


def at(hour, minute=0):
    """A time of TODAY, the Monday after the week (the clock only moves forward)."""
    return time_machine.travel(
        datetime.datetime.combine(TODAY, datetime.time(hour, minute), ZoneInfo("Asia/Shanghai"))
    )


def branch_summary(branch, user):
    return selectors.branch_summary(user=user, branch=branch, start=MONDAY, end=SUNDAY, today=TODAY)


def actual(summary, region_name, metric):
    return row(summary, region_name).cell(metric.pk).actual


def test_both_branches_recount_the_moved_logs_once(org, visits):
    with at(0):  # 张三: 10 visits a day, Monday to Friday, in 东
        for offset in range(5):
            log(org.am, org.region, MONDAY + datetime.timedelta(days=offset), 10)
    with at(1):
        services.rollup_branches_weeks(
            branch_ids=[org.branch.pk, org.other_branch.pk], weeks=[MONDAY]
        )
    old = branch_summary(org.branch, org.branch_head)
    assert old.from_snapshot and actual(old, "东", visits) == 50

    with at(9):  # entered late: she works in the other branch since Wednesday
        membership_move(user=org.am, region=org.foreign_region, start_date=WEDNESDAY)

    # Both sides are out of date, and say so.
    assert selectors.stale_snapshot_weeks(org.other_branch.pk) == [MONDAY]
    assert selectors.stale_snapshot_weeks(org.branch.pk) == [MONDAY]
    old = branch_summary(org.branch, org.branch_head)
    assert old.stale and row(old, "东").stale and not row(old, "西").stale

    for minute in (0, 30):  # the roll-up, and a retry
        with at(23, minute):
            tasks.rollup_closed_weeks()
        old = branch_summary(org.branch, org.branch_head)
        new = branch_summary(org.other_branch, org.other_branch_head)
        assert old.from_snapshot and new.from_snapshot
        assert not old.stale and not new.stale
        assert actual(old, "东", visits) == 20  # Monday and Tuesday
        assert actual(new, "直属", visits) == 30  # Wednesday to Friday
    assert selectors.stale_snapshot_weeks(org.branch.pk) == []
    assert selectors.stale_snapshot_weeks(org.other_branch.pk) == []
