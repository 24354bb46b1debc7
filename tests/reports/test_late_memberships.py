"""Memberships corrected in the admin after their week was rolled up reach the week's
snapshot. 李四 left on Tuesday 10 November; the admin enters her last day on the 20th.
She filed no log after it, so no log moved and nothing marked the week stale: its
summary kept her as a whole head, with a whole week's target and three logs missing,
while its drill-down (computed live) counted her for two days."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from activity.models import Metric, MetricValue
from planning.models import Target
from reports import selectors, services
from reports.models import RollupRun
from tests import factories as f
from tests.accounts.test_user_admin import change_form_data

D = datetime.date
WEEK = D(2026, 11, 9)
SUNDAY = WEEK + datetime.timedelta(days=6)
NOW = datetime.datetime(2026, 11, 20, 15, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def rolled_up(org):
    visits = Metric.objects.get(code="visits")
    with time_machine.travel(datetime.datetime(2026, 11, 16, 1, tzinfo=NOW.tzinfo), tick=False):
        for author, day in ((org.am, WEEK), (org.peer_am, WEEK)):
            entry = f.DailyLogFactory(
                author=author,
                region=org.region,
                date=day,
                status="signed_off",
                signed_off_by=org.rm,
            )
            MetricValue.objects.create(log=entry, metric=visits, value=6)
        for person in (org.am, org.peer_am):
            Target.objects.create(
                user=person,
                metric=visits,
                period_kind="week",
                period_start=WEEK,
                value=10,
                updated_by=org.rm,
            )
        services.rollup_branch_week(branch_id=org.branch.pk, week=WEEK)
    return visits


def east(org, user=None):
    return selectors.branch_summary(
        user=user or org.branch_head, branch=org.branch, start=WEEK, end=SUNDAY
    ).rows[0]


def live_east(org):
    return selectors.region_rows(
        branch=org.branch, regions=[org.region], start=WEEK, end=SUNDAY, today=NOW.date()
    )[0]


@time_machine.travel(NOW, tick=False)
def test_a_leaving_day_entered_late_reaches_the_closed_week(
    admin_client, org, rolled_up, django_capture_on_commit_callbacks
):
    visits = rolled_up
    before = east(org)
    assert before.headcount == 3  # 张三, 李四 and the fixture's leaver
    url = reverse("admin:accounts_user_change", args=[org.peer_am.pk])
    data = change_form_data(admin_client.get(url))
    data["memberships-0-end_date"] = "2026-11-10"
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, data)
    assert response.status_code == 302
    live = live_east(org)
    assert live.headcount == Decimal("2.40")
    after = east(org)
    assert after.headcount == live.headcount
    assert after.cell(visits.pk).target == live.cell(visits.pk).target == 14
    assert after.expected_logs == live.expected_logs
    assert RollupRun.objects.filter(week_start=WEEK, trigger="staff").count() == 1


@time_machine.travel(NOW, tick=False)
def test_a_joiner_entered_late_reaches_the_closed_week(
    admin_client, org, rolled_up, django_capture_on_commit_callbacks
):
    joiner = f.UserFactory(name="新人")
    url = reverse("admin:accounts_user_change", args=[joiner.pk])
    data = change_form_data(admin_client.get(url))
    data |= {
        "memberships-TOTAL_FORMS": "1",
        "memberships-0-user": str(joiner.pk),
        "memberships-0-region": str(org.region.pk),
        "memberships-0-start_date": "2026-11-11",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, data)
    assert response.status_code == 302
    assert east(org).headcount == live_east(org).headcount == Decimal("3.60")


@time_machine.travel(NOW, tick=False)
def test_a_change_outside_the_rolled_up_weeks_rolls_nothing_up(
    admin_client, org, rolled_up, django_capture_on_commit_callbacks
):
    url = reverse("admin:accounts_user_change", args=[org.peer_am.pk])
    data = change_form_data(admin_client.get(url))
    data["memberships-0-end_date"] = "2026-11-19"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        admin_client.post(url, data)
    assert not callbacks
    assert not RollupRun.objects.filter(trigger="staff").exists()


@time_machine.travel(NOW, tick=False)
def test_a_membership_deleted_in_the_admin_reaches_the_closed_week(
    admin_client, org, rolled_up, django_capture_on_commit_callbacks
):
    """The fixture's leaver (no log that week) was never in 东, the admin finds."""
    url = reverse("admin:accounts_user_change", args=[org.deactivated.pk])
    data = change_form_data(admin_client.get(url))
    data["memberships-0-DELETE"] = "on"
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, data)
    assert response.status_code == 302
    assert east(org).headcount == live_east(org).headcount == 2
