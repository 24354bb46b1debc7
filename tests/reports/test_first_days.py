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


def test_a_new_branchs_first_excel_says_the_period_is_empty(client_for, org):
    """The page says 该期间没有数据; the file had a lone 合计 of zeros."""
    import io

    from openpyxl import load_workbook

    # The branch was imported today: the default period (up to yesterday) is empty.
    from accounts.models import Region, RegionMembership

    Region.objects.update(created_on=datetime.date(2026, 12, 2))
    RegionMembership.objects.update(start_date=datetime.date(2026, 12, 2))
    with time_machine.travel(datetime.datetime(2026, 12, 2, 2, tzinfo=datetime.UTC)):
        response = client_for(org.branch_head).get(reverse("reports:summary_export"))
    ws = load_workbook(io.BytesIO(response.content)).active
    texts = [c for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert "该期间没有数据。" in texts
