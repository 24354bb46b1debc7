"""Which week's review and which month's goal sheet an AM may open: not one of a period
they spent in no region, not one ahead of the latest due, and always by its first day."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from accounts.models import RegionMembership
from accounts.services import membership_move
from activity.models import Metric
from planning.models import MonthlyGoalSheet, WeeklyReview

D = datetime.date
# Tuesday 1 December 2026, 10:00 in Shanghai.
TUESDAY = datetime.datetime(2026, 12, 1, 2, 0, tzinfo=datetime.UTC)
# Monday 21 December 2026, 10:00 in Shanghai: next month's sheet is open.
DEC_21 = datetime.datetime(2026, 12, 21, 2, 0, tzinfo=datetime.UTC)


@pytest.fixture
def tuesday():
    with time_machine.travel(TUESDAY, tick=False):
        yield


def _weekly(week):
    return reverse("planning:weekly_edit", kwargs={"week": week})


def _monthly(month):
    return reverse("planning:monthly_edit", kwargs={"month": month})


def _goals():
    return {f"metric_{m.pk}": "10" for m in Metric.objects.filter(is_active=True)}


@pytest.mark.usefixtures("tuesday")
def test_a_week_or_month_spent_in_no_region_is_refused(org, client_for):
    RegionMembership.objects.filter(user=org.am).update(start_date=D(2026, 9, 1))
    client = client_for(org.am)
    for url, data, period in [
        (_weekly(D(2020, 1, 6)), {"planned_visit_count": "0", "save": "1"}, "2020-01-06"),
        (_monthly(D(2020, 1, 1)), _goals(), "2020-01"),
    ]:
        page = client.get(url)
        assert page.status_code == 403
        assert period in page.context["exception"]  # the message names the period refused
        assert client.post(url, data).status_code == 403
    assert not WeeklyReview.objects.exists() and not MonthlyGoalSheet.objects.exists()


@pytest.mark.usefixtures("tuesday")
def test_a_past_sheet_is_filed_under_the_region_of_its_period(org, client_for):
    # In 西 from Wednesday 16 September, in 东 (org.am's region today) from November.
    RegionMembership.objects.filter(user=org.am).update(start_date=D(2026, 11, 1))
    RegionMembership.objects.create(
        user=org.am, region=org.other_region, start_date=D(2026, 9, 16), end_date=D(2026, 10, 31)
    )
    client = client_for(org.am)
    response = client.post(_weekly(D(2026, 9, 14)), {"planned_visit_count": "0", "save": "1"})
    assert response.status_code == 302
    response = client.post(_monthly(D(2026, 9, 1)), _goals())
    assert response.status_code == 302
    assert WeeklyReview.objects.get().region == org.other_region
    assert MonthlyGoalSheet.objects.get().region == org.other_region


@pytest.mark.usefixtures("tuesday")
def test_a_week_with_a_move_is_filed_under_the_region_moved_to(org, client_for):
    membership_move(user=org.am, region=org.other_region, start_date=D(2026, 11, 25))
    client = client_for(org.am)
    response = client.post(_weekly(D(2026, 11, 23)), {"planned_visit_count": "0", "save": "1"})
    assert response.status_code == 302
    assert WeeklyReview.objects.get().region == org.other_region


@pytest.mark.usefixtures("tuesday")
def test_a_day_that_is_not_a_monday_goes_to_its_weeks_review(org, client_for):
    client = client_for(org.am)
    for day, monday in [(D(2026, 12, 2), D(2026, 11, 30)), (D(2026, 11, 26), D(2026, 11, 23))]:
        response = client.get(_weekly(day))
        assert response.url == _weekly(monday)
        assert not list(response.wsgi_request._messages)
    assert client.get(_weekly(D(2026, 11, 30))).status_code == 200


@pytest.mark.usefixtures("tuesday")
def test_a_week_ahead_goes_to_this_weeks_review_and_says_why(org, client_for):
    client = client_for(org.am)
    for day in (D(2027, 6, 7), D(2026, 12, 31), D(2026, 12, 7)):
        response = client.post(_weekly(day), {"planned_visit_count": "0", "save": "1"})
        assert response.url == _weekly(D(2026, 11, 30))
        assert client.get(response.url).context["week"] == D(2026, 11, 30)
    assert not WeeklyReview.objects.exists()
    response = client.get(_weekly(D(2026, 12, 31)), follow=True)
    (message,) = response.context["messages"]
    assert "2026-12-28" in str(message)


def test_a_month_ahead_goes_to_the_latest_sheet_and_says_why(org, client_for):
    client = client_for(org.am)
    with time_machine.travel(TUESDAY, tick=False):
        # Before the 20th, this month's sheet is the latest.
        response = client.get(_monthly(D(2027, 1, 1)), follow=True)
        assert response.redirect_chain == [(_monthly(D(2026, 12, 1)), 302)]
        (message,) = response.context["messages"]
        assert "2027-01" in str(message)
        assert client.get(_monthly(D(2026, 12, 15))).url == _monthly(D(2026, 12, 1))
        assert client.post(_monthly(D(2027, 1, 1)), _goals()).status_code == 302
        assert not MonthlyGoalSheet.objects.exists()
    with time_machine.travel(DEC_21, tick=False):
        client = client_for(org.am)  # a new login: the session of 1 December has expired
        assert client.get(_monthly(D(2027, 1, 1))).status_code == 200
        assert client.get(_monthly(D(2027, 2, 1))).url == _monthly(D(2027, 1, 1))
