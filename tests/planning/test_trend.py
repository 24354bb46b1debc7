import datetime
import re

import time_machine
from django.urls import reverse

from planning import selectors
from planning.models import PeriodKind, Target
from tests.planning.helpers import metric, write_log

D = datetime.date


def test_trend_has_plan_and_actual_per_week(org, django_assert_max_num_queries):
    visits = metric("visits")
    last_week = D(2026, 11, 16)
    Target.objects.create(
        user=org.am,
        metric=visits,
        period_kind=PeriodKind.WEEK,
        period_start=last_week,
        value=30,
        updated_by=org.rm,
    )
    write_log(org.am, org.region, D(2026, 11, 17), visits=12)
    write_log(org.am, org.region, D(2026, 11, 22), visits=4)  # Sunday still counts for the week
    write_log(org.am, org.region, D(2026, 8, 30), visits=99)  # the day before the 12 weeks
    # Budget: membership ×2 (branch), calendar (2), targets (1), actuals (1), her first
    # membership (1): no plan before it.
    with django_assert_max_num_queries(7):
        points = selectors.trend(metric=visits, last_week=last_week, user=org.am)
    assert len(points) == 12 and points[0].week == D(2026, 8, 31)
    assert (points[-1].plan, points[-1].actual) == (30, 16)
    assert all(p.actual == 0 and p.plan is None for p in points[:-1])
    chart = selectors.trend_chart(points, today=D(2026, 11, 23))
    assert chart.bars[-1]["short"] is True
    assert not chart.bars[-1]["running"] and not chart.has_running_week
    running = selectors.trend_chart(points, today=D(2026, 11, 20))
    assert running.bars[-1]["short"] is False  # the week is not over yet
    assert running.bars[-1]["running"] and running.has_running_week  # drawn grey
    assert not any(bar["running"] for bar in running.bars[:-1])
    phone = selectors.trend_chart(points, width=320, today=D(2026, 11, 23), label_every=3)
    assert [i for i, bar in enumerate(phone.bars) if bar["labelled"]] == [2, 5, 8, 11]


def test_region_trend_sums_its_ams_targets(org):
    visits = metric("visits")
    week = D(2026, 11, 16)
    for user, value in ((org.am, 30), (org.peer_am, 20)):
        Target.objects.create(
            user=user,
            metric=visits,
            period_kind=PeriodKind.WEEK,
            period_start=week,
            value=value,
            updated_by=org.rm,
        )
    write_log(org.am, org.region, D(2026, 11, 17), visits=12)
    write_log(org.outsider_am, org.other_region, D(2026, 11, 17), visits=50)
    points = selectors.trend(metric=visits, last_week=week, region=org.region)
    assert (points[-1].plan, points[-1].actual) == (50, 12)


def _gridline_values_at_their_height(chart) -> None:
    """Each gridline's label is the value its height stands for, and no label repeats."""
    plot_h = chart.height - 10 - 30
    for line in chart.gridlines:
        assert line["y"] == round(10 + plot_h - plot_h * line["value"] / chart.max_value, 1)
    values = [line["value"] for line in chart.gridlines]
    assert len(values) == len(set(values)), values


def test_trend_gridlines_read_true_on_a_first_week_and_small_counts():
    # An AM's first day has nothing yet: the axis read 0, 0, 1 (half of 1 rounded to 0).
    weeks = [D(2026, 11, 30) - datetime.timedelta(weeks=i) for i in range(11, -1, -1)]
    empty = selectors.trend_chart([selectors.TrendPoint(w, None, 0) for w in weeks])
    _gridline_values_at_their_height(empty)
    assert [line["value"] for line in empty.gridlines] == [0, 1]
    # 促成 runs 0 to 3 a week: the middle line said 2 at the height of 1.5.
    closings = [selectors.TrendPoint(w, None, i % 4) for i, w in enumerate(weeks)]
    chart = selectors.trend_chart(closings)
    _gridline_values_at_their_height(chart)
    assert [line["value"] for line in chart.gridlines] == [0, 2, 4]


def test_the_trend_chart_s_figures_are_read_out_as_a_table(org, client_for):
    """The chart is one picture to a screen reader (role=img: its bars' titles are not
    read), and which bars fell below plan was told by their orange alone."""
    Target.objects.create(
        user=org.am,
        metric=metric("visits"),
        period_kind=PeriodKind.WEEK,
        period_start=D(2026, 11, 16),
        value=30,
        updated_by=org.rm,
    )
    write_log(org.am, org.region, D(2026, 11, 17), visits=12)
    write_log(org.am, org.region, D(2026, 11, 24), visits=5)
    wednesday = datetime.datetime(2026, 11, 25, 7, 0, tzinfo=datetime.UTC)
    with time_machine.travel(wednesday, tick=False):
        html = (
            client_for(org.am)
            .get(reverse("planning:member", args=[org.am.pk]) + "?metric=visits")
            .content.decode()
        )
    table = html.split('data-testid="trend-data">')[1].split("</table>")[0]
    rows = re.findall(
        r'<tr><th scope="row">([^<]*)</th><td>([^<]*)</td><td>([^<]*)</td></tr>', table
    )
    assert len(rows) == 12
    assert rows[-2:] == [
        ("2026-11-16", "30", "12 (低于计划)"),
        ("2026-11-23", "—", "5 (本周进行中)"),
    ]


def test_a_joiners_trend_has_no_plan_for_the_weeks_before_she_joined(org):
    """QA (a new branch): the admin's annual target import spreads a joiner's year over
    all its weeks, including the months before the branch had her. Her chart drew those
    weeks' plan over nothing and read them out as "below plan"."""
    from tests import factories as f

    visits = metric("visits")
    joiner = f.UserFactory(name="王芳")
    f.MembershipFactory(user=joiner, region=org.region, start_date=D(2026, 12, 2))
    for week in (D(2026, 11, 16), D(2026, 11, 23), D(2026, 11, 30)):
        Target.objects.create(
            user=joiner,
            metric=visits,
            period_kind=PeriodKind.WEEK,
            period_start=week,
            value=10,
            updated_by=org.admin,
        )
    write_log(joiner, org.region, D(2026, 12, 2), visits=4)
    points = selectors.trend(metric=visits, last_week=D(2026, 11, 30), user=joiner)
    assert [(p.plan, p.actual) for p in points[-3:]] == [(None, 0), (None, 0), (10, 4)]
    chart = selectors.trend_chart(points, today=D(2026, 12, 7))
    assert not any(bar["short"] for bar in chart.bars[:-1])
