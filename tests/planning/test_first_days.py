"""A region's plan in its first days: it was set up (imported) mid-period."""

import datetime

import pytest

from planning import selectors
from planning.models import PeriodKind, Target
from planning.selectors import Pace
from tests import factories as f
from tests.planning.helpers import metric

pytestmark = pytest.mark.django_db

D = datetime.date
IMPORTED = D(2026, 12, 2)  # a Wednesday: December's first working day, the 1st, is over


@pytest.mark.parametrize(
    "kind, start", [(PeriodKind.MONTH, D(2026, 12, 1)), (PeriodKind.WEEK, D(2026, 11, 30))]
)
def test_a_region_set_up_today_is_not_behind_for_days_nobody_was_in_it(org, kind, start):
    """Day one, 10:00: the AM's own sheet read 进度正常 (0 working days over), the
    region's, with her target as its only one, 有风险 over 1 of 23 (2 of 5) days that had
    ended before anyone was in it."""
    region = f.RegionFactory(branch=org.branch, name="西区", created_on=IMPORTED)
    am = f.UserFactory(name="赵敏")
    f.MembershipFactory(user=am, region=region, start_date=IMPORTED)
    for code, value in [("visits", 60), ("leaflets", 800)]:
        Target.objects.create(
            user=am,
            metric=metric(code),
            period_kind=PeriodKind.MONTH,
            period_start=D(2026, 12, 1),
            value=value,
            updated_by=org.rm,
        )
    plan = selectors.region_plan(region, kind, start, today=IMPORTED)
    (row,) = plan.rows
    assert row.sheet.elapsed_days == 0 and row.sheet.pace == Pace.ON_TRACK
    assert plan.total.elapsed_days == 0
    assert plan.total.pace == Pace.ON_TRACK
    assert all(line.expected in (0, None) for line in plan.total.lines)


def test_a_goal_sheet_in_a_region_without_its_rm_says_who_agrees_it(org, client_for):
    """东区 was imported with no RM: the sheet said 区域经理会直接确认 and 提交给区域经理,
    while its logs said 由片区经理签批, and the area manager is who agrees it."""
    import time_machine
    from django.urls import reverse

    region = f.RegionFactory(branch=org.branch, area=org.area, name="东区", created_on=IMPORTED)
    am = f.UserFactory(name="孙丽")
    f.MembershipFactory(user=am, region=region, start_date=IMPORTED)
    url = reverse("planning:monthly_edit", kwargs={"month": D(2026, 12, 1)})
    with time_machine.travel(datetime.datetime(2026, 12, 2, 2, tzinfo=datetime.UTC)):
        html = client_for(am).get(url).content.decode()
        assert "提交给区域经理" not in html and org.area_manager.name in html
        # With its RM, as ever.
        assert "提交给区域经理" in client_for(org.am).get(url).content.decode()


def test_the_pacing_panel_names_who_agrees_when_the_region_has_no_rm(org):
    """Her log page said her sheet waited for 区域经理, in a region imported without one."""
    import time_machine
    from django.template.loader import render_to_string

    from planning.models import MonthlyGoalSheet, SheetStatus

    region = f.RegionFactory(branch=org.branch, area=org.area, name="东区", created_on=IMPORTED)
    am = f.UserFactory(name="孙丽")
    f.MembershipFactory(user=am, region=region, start_date=IMPORTED)
    with time_machine.travel(datetime.datetime(2026, 12, 2, 2, tzinfo=datetime.UTC)):
        for status in (None, SheetStatus.SUBMITTED):
            if status:
                MonthlyGoalSheet.objects.create(
                    author=am, region=region, month=D(2026, 12, 1), status=status
                )
            pacing = selectors.pacing_for(am)
            html = render_to_string("planning/_pacing_panel.html", {"pacing": pacing})
            assert org.area_manager.name in html and "等待区域经理确认" not in html
        # In a region with its RM, as ever.
        html = render_to_string(
            "planning/_pacing_panel.html", {"pacing": selectors.pacing_for(org.am)}
        )
        assert "等待区域经理确认" in html


def test_the_pacing_panel_reads_no_one_more_in_a_region_with_its_rm(org):
    """Naming who agrees a sheet read the region's RM on every AM's log page until her
    sheet was agreed (17 queries instead of 16): her RM agrees it, nobody is to be read.
    Pending, the panel reads the sheet's status and nothing else more."""
    import time_machine
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        am = type(org.am).objects.get(pk=org.am.pk)  # nothing cached from a previous read
        with CaptureQueriesContext(connection) as captured:
            selectors.pacing_for(am)
        return len(captured)

    with time_machine.travel(datetime.datetime(2026, 12, 2, 2, tzinfo=datetime.UTC)):
        pending = queries()
        Target.objects.create(
            user=org.am,
            metric=metric("visits"),
            period_kind=PeriodKind.MONTH,
            period_start=D(2026, 12, 1),
            value=60,
            updated_by=org.rm,
        )
        assert selectors.pacing_for(org.am).targets_pending == ""
        assert pending == queries() + 1


def test_someone_who_joins_after_the_months_last_working_day_is_not_sent_to_its_goal_sheet(org):
    """Saturday 31 October 2026: 新人 joins with no working day of October left. The
    pacing panel told her to fill in October's goal sheet; November's is the one."""
    joiner = f.UserFactory(name="新人")
    f.MembershipFactory(user=joiner, region=org.region, start_date=D(2026, 10, 31))
    sheet = selectors.pacing_for(joiner, today=D(2026, 10, 31))
    assert (sheet.working_days, sheet.targets_pending) == (0, "")
    # Her first working day's panel asks for November's.
    assert selectors.pacing_for(joiner, today=D(2026, 11, 2)).targets_pending == "sheet"
