"""On a phone: back after handing in a goal sheet. Chromium loads the page again rather
than restoring the form from its back-forward cache, and the handed-in sheet is shown
read-only: there is no old form to hand in a second time. (A browser that restores the
old form anyway, Safari's cache, posts it to a sheet already submitted: that post comes
back as typed, tests/planning/test_stale_sheet_pages.py.)"""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from activity.models import Metric
from planning.models import MonthlyGoalSheet
from tests.browser import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_back_after_submitting_a_goal_sheet_shows_it_read_only(org, live_server, login, new_page):
    month = timezone.localdate().replace(day=1)
    page = login(new_page(**PHONE), org.am)
    page.goto(f"{live_server.url}/plan/monthly/{month.isoformat()}/")
    for metric in Metric.objects.filter(is_active=True):
        page.locator(f"#id_metric_{metric.pk}").fill("40")
    page.locator("#id_focus_items").fill("车队统保")
    page.get_by_test_id("submit-monthly").click()
    detail = f"{live_server.url}/plan/monthly/sheets/{MonthlyGoalSheet.objects.get().pk}/"
    expect(page).to_have_url(detail)

    page.go_back()
    expect(page).to_have_url(detail)
    expect(page.get_by_test_id("monthly-form")).to_have_count(0)
    assert MonthlyGoalSheet.objects.get().status == "submitted"
