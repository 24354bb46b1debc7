"""The turn of 2026 into 2027: ISO week 53 (Mon 28 December – Sun 3 January) closes on
4 January, with 元旦 on its Friday, in a year chinese-calendar 1.11 does not carry."""

import datetime
from zoneinfo import ZoneInfo

import time_machine
from django.urls import reverse

from activity.models import Metric, MetricValue
from planning import services as planning_services
from planning.models import CalendarOverride
from reports import services
from reports.models import MetricWeekSnapshot, RegionWeekSnapshot, RollupRun
from tests import factories as f

D = datetime.date
WEEK_53 = D(2026, 12, 28)
WEEK_1 = D(2027, 1, 4)
# Monday 4 January 2027, after the beat's 01:00 roll-up of week 53.
MONDAY_MORNING = datetime.datetime(2027, 1, 4, 9, tzinfo=ZoneInfo("Asia/Shanghai"))


def _log(author, region, day, visits):
    entry = f.DailyLogFactory(
        author=author, region=region, date=day, status="signed_off", signed_off_by=region.manager
    )
    MetricValue.objects.create(log=entry, metric=Metric.objects.get(code="visits"), value=visits)


def _east(week):
    return RegionWeekSnapshot.objects.get(week_start=week, region__name="东")


def _visits(week):
    return MetricWeekSnapshot.objects.get(
        snapshot__week_start=week, snapshot__region__name="东", metric__code="visits"
    ).actual


@time_machine.travel(MONDAY_MORNING, tick=False)
def test_week_53_and_week_1_are_rolled_up_apart_and_reruns_count_once(org):
    for day in (D(2026, 12, 31), D(2027, 1, 1), D(2027, 1, 3), D(2027, 1, 4)):
        _log(org.am, org.region, day, 5)  # worked on 元旦 and on the Sunday too
    for _ in range(2):
        services.rollup_branch_weeks(branch_id=org.branch.pk, weeks=[WEEK_53, WEEK_1])
    assert _visits(WEEK_53) == 15 and _visits(WEEK_1) == 5
    assert RegionWeekSnapshot.objects.filter(region=org.region).count() == 2
    # Monday to Thursday: 元旦 is a holiday by law, and the weekend is the weekend.
    assert _east(WEEK_53).expected_logs == 4 * 3  # 张三, 李四 and the region's leaver


@time_machine.travel(MONDAY_MORNING, tick=False)
def test_a_day_off_entered_after_its_week_was_rolled_up_rolls_the_week_up_again(
    org, django_capture_on_commit_callbacks
):
    """The branch gave 31 December off; the admin enters it on Monday morning, after the
    01:00 roll-up. The snapshot kept four working days, the AMs' missing logs of the 31st
    and nothing marked stale."""
    for day in (D(2026, 12, 28), D(2026, 12, 29), D(2026, 12, 30)):
        _log(org.am, org.region, day, 5)
        _log(org.peer_am, org.region, day, 5)
    services.rollup_branch_week(branch_id=org.branch.pk, week=WEEK_53)
    assert _east(WEEK_53).expected_logs == 12

    with django_capture_on_commit_callbacks(execute=True):
        planning_services.calendar_period_set(
            branch_ids=[org.branch.pk],
            first=D(2026, 12, 31),
            last=D(2026, 12, 31),
            is_working_day=False,
            note="年终休息",
        )
    assert _east(WEEK_53).expected_logs == 9
    assert RollupRun.objects.filter(week_start=WEEK_53, trigger="calendar").count() == 1
    # A week not rolled up yet is left to the beat.
    assert not RegionWeekSnapshot.objects.filter(week_start=WEEK_1).exists()


@time_machine.travel(MONDAY_MORNING, tick=False)
def test_a_day_changed_one_by_one_in_the_admin_rolls_its_week_up_again(
    client_for, org, django_capture_on_commit_callbacks
):
    for day in (D(2026, 12, 28), D(2026, 12, 29), D(2026, 12, 30)):
        _log(org.am, org.region, day, 5)
    services.rollup_branch_week(branch_id=org.branch.pk, week=WEEK_53)
    assert _east(WEEK_53).expected_logs == 12

    admin_client = client_for(org.admin)
    add = reverse("admin:planning_calendaroverride_add")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            add, {"branch": org.branch.pk, "date": "2026-12-31", "note": "年终休息"}
        )
    assert response.status_code == 302
    assert _east(WEEK_53).expected_logs == 9
    override = CalendarOverride.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("admin:planning_calendaroverride_delete", args=[override.pk]),
            {"post": "yes"},
        )
    assert _east(WEEK_53).expected_logs == 12


@time_machine.travel(datetime.datetime(2027, 2, 2, 9, tzinfo=ZoneInfo("Asia/Shanghai")))
def test_the_summary_splits_a_month_over_all_its_days_off(org):
    """Tuesday 2 February 2027: the week's summary derives its target from February's,
    split over February's working days. The calendar was read only to a fortnight ahead:
    the branch's day off on the 26th counted as a working day."""
    from planning.models import Target
    from reports import selectors

    for first, last, working in (
        (D(2027, 2, 6), D(2027, 2, 13), False),
        (D(2027, 2, 20), D(2027, 2, 20), True),
        (D(2027, 2, 26), D(2027, 2, 26), False),
    ):
        planning_services.calendar_period_set(
            branch_ids=[org.branch.pk], first=first, last=last, is_working_day=working
        )
    visits = Metric.objects.get(code="visits")
    Target.objects.create(
        user=org.am,
        metric=visits,
        period_kind="month",
        period_start=D(2027, 2, 1),
        value=150,
        updated_by=org.rm,
    )
    result = selectors.branch_summary(
        user=org.branch_head, branch=org.branch, start=D(2027, 2, 1), end=D(2027, 2, 7)
    )
    east = next(r for r in result.rows if r.label == "东")
    assert east.cell(visits.pk).target == 50  # 150 × 5 / 15 working days


@time_machine.travel(datetime.datetime(2027, 2, 15, 9, tzinfo=ZoneInfo("Asia/Shanghai")))
def test_a_summary_over_holidays_footwork_does_not_know_says_so(client_for, org):
    """The week of 8 February 2027 is 春节. Nobody entered it: the summary counted five
    working days, every AM's logs missing and the whole week's targets, without a word
    (the plan pages warned, the branch head's pages did not)."""
    head = client_for(org.branch_head)
    spring = {"start": "2027-02-08", "end": "2027-02-14"}
    summary = reverse("reports:summary")
    region = reverse("reports:region", kwargs={"region_id": org.region.pk})
    assert "系统尚未收录 2027 年的法定节假日" in head.get(summary, spring).content.decode()
    assert 'data-testid="holidays-unknown"' in head.get(region, spring).content.decode()
    # Week 53: 元旦 2027, a Friday, is known by law.
    week_53 = {"start": "2026-12-28", "end": "2027-01-03"}
    assert 'data-testid="holidays-unknown"' not in head.get(summary, week_53).content.decode()
    planning_services.calendar_period_set(
        branch_ids=[org.branch.pk], first=D(2027, 2, 6), last=D(2027, 2, 13), is_working_day=False
    )
    assert 'data-testid="holidays-unknown"' not in head.get(summary, spring).content.decode()


@time_machine.travel(MONDAY_MORNING, tick=False)
def test_a_regions_page_is_titled_by_its_period(client_for, org):
    """A region's page for December, or for a range across the year end, was titled 周总结."""
    url = reverse("reports:region", kwargs={"region_id": org.region.pk})
    head = client_for(org.branch_head)
    for period, title in (
        ({"start": "2026-12-28", "end": "2027-01-03"}, "<title>东 · 工作量周总结"),
        ({"start": "2026-12-01", "end": "2026-12-31"}, "<title>东 · 工作量月总结"),
        ({"start": "2026-12-21", "end": "2027-01-03"}, "<title>东 · 工作量汇总"),
    ):
        assert title in head.get(url, period).content.decode(), period
