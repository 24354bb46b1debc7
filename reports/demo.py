"""Roll up the demo's closed weeks, so the summary's trend chart has history."""

import datetime

from planning import periods

from . import services


def build_rollups(*, org, today: datetime.date, weeks: int = 8) -> int:
    last_closed = periods.week_start(today) - datetime.timedelta(weeks=1)
    for i in range(weeks):
        services.rollup_branch_week(
            branch_id=org.branch.pk, week=last_closed - datetime.timedelta(weeks=i)
        )
    return weeks
