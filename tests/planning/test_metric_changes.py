"""An admin switches a metric off mid-month (折页, is_active=False) while the AMs' goal
sheets and the month's logs still hold it (metrics QA)."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from activity.models import LogStatus, Metric, MetricValue
from planning import selectors, services
from planning.models import PeriodKind
from tests import factories as f

# Friday 20 November 2026, 15:00 in Shanghai; 折页 is switched off on Wednesday the 18th.
FRIDAY = datetime.datetime(2026, 11, 20, 7, 0, tzinfo=datetime.UTC)
NOVEMBER = datetime.date(2026, 11, 1)


@pytest.fixture
def agreed(org):
    with time_machine.travel(FRIDAY, tick=False):
        visits = Metric.objects.get(code="visits")
        leaflets = Metric.objects.get(code="leaflets")
        sheet = services.monthly_sheet_save(
            author=org.am,
            month=NOVEMBER,
            proposed={visits.pk: 150, leaflets.pk: 300},
            focus_items="",
            submit=True,
        )
        sheet = services.monthly_sheet_agree(
            sheet=sheet, actor=org.rm, agreed={visits.pk: 150, leaflets.pk: 300}, comment=""
        )
        log = f.DailyLogFactory(
            author=org.am,
            region=org.region,
            date=datetime.date(2026, 11, 16),
            status=LogStatus.SIGNED_OFF,
            signed_off_by=org.rm,
        )
        MetricValue.objects.create(log=log, metric=visits, value=75)
        MetricValue.objects.create(log=log, metric=leaflets, value=40)
        yield sheet


def _retire_leaflets():
    Metric.objects.filter(code="leaflets").update(is_active=False)


@time_machine.travel(FRIDAY, tick=False)
def test_the_month_sheet_keeps_a_metric_switched_off_mid_month(org, agreed):
    """The AM's month (goal sheet page, pace on the home page, region plan) lost 折页's
    agreed 300 and the 40 leaflets of Monday."""
    leaflets = Metric.objects.get(code="leaflets")
    before = selectors.am_sheet(org.am, org.region, PeriodKind.MONTH, NOVEMBER)
    _retire_leaflets()
    after = selectors.am_sheet(org.am, org.region, PeriodKind.MONTH, NOVEMBER)
    line = next(line for line in after.lines if line.metric.pk == leaflets.pk)
    assert (line.target, line.actual) == (300, 40)
    # Not weighed, nor paced, nor asking for a countermeasure: nobody can record it now,
    # and its whole month's 300 would drag the month down. 拜访 75 of 150 decides.
    assert before.score == (Decimal(50) + Decimal(40) * 100 / 300) / 2
    assert after.score == Decimal(50)
    assert line.pace is None and not line.is_short
    plan = selectors.region_plan(org.region, PeriodKind.MONTH, NOVEMBER)
    assert leaflets.pk in [line.metric.pk for line in plan.total.lines]
    # The weekly review of the week it was switched off in has its line too.
    week = selectors.am_sheet(org.am, org.region, PeriodKind.WEEK, datetime.date(2026, 11, 16))
    assert [line.actual for line in week.lines if line.metric == leaflets] == [40]
    # December, which nobody counted 折页 in, does not show it.
    december = selectors.am_sheet(org.am, org.region, PeriodKind.MONTH, datetime.date(2026, 12, 1))
    assert leaflets.pk not in [line.metric.pk for line in december.lines]


def test_an_agreed_sheet_still_shows_the_line_of_a_metric_switched_off_since(
    org, agreed, client_for
):
    """Its page listed today's metrics only: the agreed 折页 300 disappeared from it."""
    _retire_leaflets()
    with time_machine.travel(FRIDAY, tick=False):
        html = (
            client_for(org.am)
            .get(reverse("planning:monthly_detail", kwargs={"pk": agreed.pk}))
            .content.decode()
        )
    assert '<th scope="row">折页</th>' in html
    assert html.split('<th scope="row">折页</th>')[1].split("</tr>")[0].count("300") == 2
