"""The branch head's summary in a branch's first week: nothing has ended yet."""

import datetime

import pytest
import time_machine
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_new_branchs_summary_says_why_its_trend_is_empty(client_for, org):
    """Twelve weeks of empty axes (0 % … 150 %) with no line and no word of why."""
    with time_machine.travel(datetime.datetime(2026, 12, 2, 2, tzinfo=datetime.UTC)):
        html = client_for(org.branch_head).get(reverse("reports:summary")).content.decode()
    assert 'data-testid="no-trend"' in html
    assert 'data-testid="trend-chart"' not in html
