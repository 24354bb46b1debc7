"""The weekly summary, QA round 17: closed regions over time, "—" for a missing target,
and a total computed from unrounded headcounts; the page and its Excel file agree."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts import services as org_services
from accounts.models import Role
from activity.models import Metric
from planning.models import CalendarOverride, Target
from reports import selectors, services
from reports.models import RegionWeekSnapshot, RollupRun
from tests import factories as f
from tests.reports.test_summary import log

MONDAY = datetime.date(2026, 11, 9)  # Mon 9 – Sun 15
SUNDAY = MONDAY + datetime.timedelta(days=6)
WEDNESDAY = MONDAY + datetime.timedelta(days=2)
NEXT_MONDAY = MONDAY + datetime.timedelta(weeks=1)
NEXT_SUNDAY = NEXT_MONDAY + datetime.timedelta(days=6)
TODAY = datetime.date(2026, 12, 20)


@pytest.fixture
def visits(db):
    return Metric.objects.get(code="visits")


def summary(org, start, end, user=None):
    return selectors.branch_summary(
        user=user or org.branch_head, branch=org.branch, start=start, end=end, today=TODAY
    )


def labels(result):
    return [row.label for row in result.rows]


def period(start, end, branch=None):
    query = f"?start={start}&end={end}"
    return query + (f"&branch={branch.pk}" if branch else "")


def page_cells(html: str, testid: str) -> list[str]:
    """The texts of a summary row's cells, its label first."""
    row = re.search(rf'data-testid="{testid}">(.*?)</tr>', html, re.S).group(1)
    return [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
    ]


def sheet_rows(response) -> dict[str, list]:
    """The Excel file's rows by their label, and which column each metric starts at."""
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = {
        ws.cell(row=r, column=1).value: [
            ws.cell(row=r, column=c).value for c in range(1, ws.max_column + 1)
        ]
        for r in range(4, ws.max_row + 1)
        if ws.cell(row=r, column=1).value
    }
    rows["_metrics"] = [ws.cell(row=2, column=c).value for c in range(1, ws.max_column + 1)]
    return rows


# --- 1. a closed region, over time ---------------------------------------------------


@pytest.fixture
def closed(org, visits):
    """西南 worked Monday to Wednesday of MONDAY's week; its AM moved to 西 on Thursday
    and it closed (merged into 西) with Wednesday its last day. A log of its last day
    still waits for a sign-off."""
    region = f.RegionFactory(branch=org.branch, area=org.area, manager=org.other_rm, name="西南")
    person = f.UserFactory(name="钱七")
    f.MembershipFactory(user=person, region=region)
    log(person, region, MONDAY, 6)
    log(person, region, WEDNESDAY, 4, status="submitted")
    org_services.membership_move(
        user=person, region=org.other_region, start_date=WEDNESDAY + datetime.timedelta(days=1)
    )
    org_services.region_close(region=region, closed_on=WEDNESDAY, today=TODAY)
    return region


def test_a_closed_region_stays_in_the_weeks_it_worked_in(org, closed, visits):
    week = summary(org, MONDAY, SUNDAY)
    assert "西南" in labels(week)
    southwest = next(r for r in week.rows if r.label == "西南")
    assert southwest.cell(visits.pk).actual == 10
    assert southwest.headcount == Decimal("0.60")  # Monday to Wednesday of five days
    # A month it worked in keeps it too.
    assert "西南" in labels(summary(org, datetime.date(2026, 11, 1), datetime.date(2026, 11, 30)))
    assert "西南" in labels(summary(org, WEDNESDAY, WEDNESDAY))


def test_weeks_after_a_region_closed_do_not_list_it(org, closed, visits):
    assert "西南" not in labels(summary(org, NEXT_MONDAY, NEXT_SUNDAY))
    assert "西南" not in labels(summary(org, WEDNESDAY + datetime.timedelta(days=1), SUNDAY))
    assert labels(summary(org, NEXT_MONDAY, NEXT_SUNDAY)) == ["东", "西"]


def test_the_roll_up_keeps_its_last_week_and_writes_none_after(org, closed, visits):
    services.rollup_branch_weeks(branch_id=org.branch.pk, weeks=[MONDAY, NEXT_MONDAY])
    stored = set(
        RegionWeekSnapshot.objects.filter(region=closed).values_list("week_start", flat=True)
    )
    assert stored == {MONDAY}
    runs = dict(RollupRun.objects.values_list("week_start", "regions"))
    assert runs == {MONDAY: 3, NEXT_MONDAY: 2}
    # Both closed weeks read from their snapshots, with the same regions as live.
    later = summary(org, NEXT_MONDAY, NEXT_SUNDAY)
    assert later.from_snapshot and labels(later) == ["东", "西"]
    earlier = summary(org, MONDAY, SUNDAY)
    assert earlier.from_snapshot and "西南" in labels(earlier)


def test_the_trend_draws_a_closed_region_for_its_weeks_only(org, closed, visits):
    Target.objects.create(
        region=closed,
        metric=visits,
        period_kind="week",
        period_start=MONDAY,
        value=20,
        updated_by=org.rm,
    )
    services.rollup_branch_weeks(branch_id=org.branch.pk, weeks=[MONDAY, NEXT_MONDAY])
    weeks, series = selectors.trend(user=org.branch_head, branch=org.branch, last_week=NEXT_MONDAY)
    scores = {region.name: points for region, points in series}
    # Closed on Wednesday, it owes three days of its week's 20: 10 of 12 visits.
    assert scores["西南"][-2:] == [Decimal(10) / 12 * 100, None]
    # Twelve weeks on, it has left the chart.
    later = NEXT_MONDAY + datetime.timedelta(weeks=12)
    _weeks, series = selectors.trend(user=org.branch_head, branch=org.branch, last_week=later)
    assert "西南" not in [region.name for region, _points in series]


def test_the_page_and_its_excel_leave_a_closed_region_out_of_later_weeks(client_for, org, closed):
    client = client_for(org.branch_head)
    query = period(NEXT_MONDAY, NEXT_SUNDAY)
    html = client.get(reverse("reports:summary") + query).content.decode()
    assert 'data-testid="row-西南"' not in html
    rows = sheet_rows(client.get(reverse("reports:summary_export") + query))
    assert "西南" not in rows
    query = period(MONDAY, SUNDAY)
    html = client.get(reverse("reports:summary") + query).content.decode()
    assert 'data-testid="row-西南"' in html
    assert "西南" in sheet_rows(client.get(reverse("reports:summary_export") + query))


def test_the_drill_down_of_a_closed_regions_week_still_opens(client_for, org, closed):
    response = client_for(org.branch_head).get(
        reverse("reports:region", args=[closed.pk]) + period(MONDAY, SUNDAY)
    )
    assert response.status_code == 200
    assert [row.label for row in response.context["rows"]] == ["钱七"]


def test_its_waiting_log_is_signed_by_the_area_manager(org, closed):
    from accounts import selectors as org_selectors
    from activity.models import DailyLog

    waiting = DailyLog.objects.get(region=closed, date=WEDNESDAY)
    assert org_selectors.can_sign_off(org.area_manager, waiting)
    assert not org_selectors.can_sign_off(org.other_rm, waiting)


# --- 2. no target reads "—", never 0 ---------------------------------------------------


def test_a_weeks_weekend_does_not_lend_a_target_of_0_to_a_week_without_one(org, visits):
    """Sat 14 – Fri 20: the week of the 9th has a target, but none of its working days is
    in the period; the week of the 16th has none. The period has no target."""
    Target.objects.create(
        user=org.am,
        metric=visits,
        period_kind="week",
        period_start=MONDAY,
        value=25,
        updated_by=org.rm,
    )
    log(org.am, org.region, NEXT_MONDAY, 5)
    result = summary(
        org, SUNDAY - datetime.timedelta(days=1), NEXT_SUNDAY - datetime.timedelta(days=2)
    )
    east = next(r for r in result.rows if r.label == "东").cell(visits.pk)
    assert (east.target, east.actual, east.completion) == (None, 5, None)
    assert result.total.cell(visits.pk).target is None
    assert result.total.score is None


def test_a_month_without_targets_reads_no_target(org, visits):
    """November has a month target, December none yet: Sun 6 – Sat 12 December takes
    nothing from the week of 30 November (its Sunday only)."""
    Target.objects.create(
        user=org.am,
        metric=visits,
        period_kind="month",
        period_start=datetime.date(2026, 11, 1),
        value=60,
        updated_by=org.rm,
    )
    result = summary(org, datetime.date(2026, 12, 6), datetime.date(2026, 12, 12))
    east = next(r for r in result.rows if r.label == "东").cell(visits.pk)
    assert (east.target, east.completion) == (None, None)
    # The week of 30 November itself still has November's share and December's loan.
    week = summary(org, datetime.date(2026, 11, 30), datetime.date(2026, 12, 6))
    assert next(r for r in week.rows if r.label == "东").cell(visits.pk).target > 0


def test_a_weekend_alone_has_no_target(org, visits):
    Target.objects.create(
        region=org.region,
        metric=visits,
        period_kind="week",
        period_start=MONDAY,
        value=25,
        updated_by=org.rm,
    )
    result = summary(org, SUNDAY - datetime.timedelta(days=1), SUNDAY)
    assert next(r for r in result.rows if r.label == "东").cell(visits.pk).target is None


def test_page_and_excel_read_a_dash_where_there_is_no_target(client_for, org, visits):
    Target.objects.create(
        user=org.am,
        metric=visits,
        period_kind="week",
        period_start=MONDAY,
        value=25,
        updated_by=org.rm,
    )
    log(org.am, org.region, NEXT_MONDAY, 5)
    client = client_for(org.branch_head)
    query = period(SUNDAY - datetime.timedelta(days=1), NEXT_SUNDAY - datetime.timedelta(days=2))
    response = client.get(reverse("reports:summary") + query)
    metrics = response.context["summary"].metrics
    first = 2 + 4 * [m.pk for m in metrics].index(visits.pk)  # label, headcount, then 4 a metric
    html = response.content.decode()
    for testid in ("row-东", "total-row"):
        cells = page_cells(html, testid)
        assert cells[first : first + 4] == ["—", "5", "—", cells[first + 3]], testid
    rows = sheet_rows(client.get(reverse("reports:summary_export") + query))
    column = rows["_metrics"].index("拜访")
    for label in ("东", "合计"):
        assert rows[label][column : column + 3] == ["—", 5, "—"], label


# --- 3. the total from unrounded headcounts ----------------------------------------------


@pytest.fixture
def thirds(visits):
    """A branch whose MONDAY week has three working days (Thursday and Friday off), and
    three regions of one AM there all week and one who joined on Wednesday: 1⅓ heads
    each, shown 1.33. 40 + 30 + 30 visits."""
    head = f.UserFactory(role=Role.BRANCH_HEAD, name="三分之一")
    branch = f.BranchFactory(head=head, name="三分")
    for day in (MONDAY + datetime.timedelta(days=3), MONDAY + datetime.timedelta(days=4)):
        CalendarOverride.objects.create(branch=branch, date=day, is_working_day=False)
    for name, done in (("甲", 40), ("乙", 30), ("丙", 30)):
        region = f.RegionFactory(branch=branch, manager=head, name=name)
        stayer = f.member(region, name=f"{name}一")
        joiner = f.UserFactory(name=f"{name}二")
        f.MembershipFactory(user=joiner, region=region, start_date=WEDNESDAY)
        log(stayer, region, MONDAY, done)
    return branch


def thirds_summary(branch):
    return selectors.branch_summary(
        user=branch.head, branch=branch, start=MONDAY, end=SUNDAY, today=TODAY
    )


def test_the_total_adds_unrounded_headcounts(thirds, visits):
    result = thirds_summary(thirds)
    assert [r.headcount for r in result.rows] == [Decimal("1.33")] * 3
    total = result.total
    assert total.headcount == Decimal("4.00")  # not 3 × 1.33 = 3.99
    assert total.cell(visits.pk).per_head == Decimal(25)  # 100 ÷ 4, not ÷ 3.99 (25.06)
    # A row's per head divides by the headcount it shows, as before.
    first = next(r for r in result.rows if r.label == "甲")
    assert first.cell(visits.pk).per_head == Decimal(40) / Decimal("1.33")


def test_a_closed_weeks_snapshot_total_is_unrounded_too(thirds, visits):
    services.rollup_branch_week(branch_id=thirds.pk, week=MONDAY)
    result = thirds_summary(thirds)
    assert result.from_snapshot
    assert [r.headcount for r in result.rows] == [Decimal("1.33")] * 3
    assert result.total.headcount == Decimal("4.00")
    assert result.total.cell(visits.pk).per_head == Decimal(25)
    first = next(r for r in result.rows if r.label == "甲")
    assert first.cell(visits.pk).per_head == Decimal(40) / Decimal("1.33")


def test_a_snapshots_headcount_is_undone_only_where_the_days_pin_it_down():
    assert selectors.unrounded_headcount(Decimal("1.33"), 3) == Decimal(4) / 3
    assert selectors.unrounded_headcount(Decimal("1.40"), 5) == Decimal("1.4")
    # Entered as a holiday since the roll-up: 1.40 is no count of thirds.
    assert selectors.unrounded_headcount(Decimal("1.40"), 3) == Decimal("1.40")
    assert selectors.unrounded_headcount(Decimal("1.33"), 0) == Decimal("1.33")


def test_the_drill_downs_total_adds_unrounded_shares(thirds, visits):
    """Three people who joined on Wednesday are a third of a head each: one head."""
    region = thirds.regions.get(name="甲")
    for n in range(2):
        f.MembershipFactory(
            user=f.UserFactory(name=f"新人{n}"), region=region, start_date=WEDNESDAY
        )
    rows, total = selectors.member_rows(region=region, start=MONDAY, end=SUNDAY, today=TODAY)
    assert [r.headcount for r in rows].count(Decimal("0.33")) == 3
    assert total.headcount == Decimal("2.00")  # 1 + 3 × ⅓, not 1 + 3 × 0.33
    assert total.cell(visits.pk).per_head == Decimal(20)  # not 40 ÷ 1.99
    # The drill-down's total reads as the region's row of the branch summary.
    row = next(r for r in thirds_summary(thirds).rows if r.label == "甲")
    assert row.headcount == total.headcount
    assert row.cell(visits.pk).per_head == total.cell(visits.pk).per_head


def test_page_and_excel_show_the_unrounded_total(client_for, thirds, visits):
    client = client_for(thirds.head)
    query = period(MONDAY, SUNDAY, thirds)
    response = client.get(reverse("reports:summary") + query)
    metrics = response.context["summary"].metrics
    first = 2 + 4 * [m.pk for m in metrics].index(visits.pk)
    html = response.content.decode()
    total = page_cells(html, "total-row")
    assert total[1] == "4"
    assert total[first + 1 : first + 4] == ["100", "—", "25.0"]
    assert page_cells(html, "row-甲")[1] == "1.33"
    assert page_cells(html, "row-甲")[first + 3] == "30.1"  # 40 ÷ 1.33, as shown
    rows = sheet_rows(client.get(reverse("reports:summary_export") + query))
    column = rows["_metrics"].index("拜访")
    assert rows["合计"][1] == 4
    assert rows["合计"][column + 3] == 25
    assert rows["甲"][1] == 1.33 and rows["甲"][column + 3] == pytest.approx(40 / 1.33)
