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


def test_a_new_branchs_summary_steps_back_no_further_than_its_regions(client_for, org):
    """← 上一周 on day one led to weeks before any region was set up, each 该期间没有数据."""
    from accounts.models import Region

    Region.objects.update(created_on=datetime.date(2026, 12, 2))
    with time_machine.travel(datetime.datetime(2026, 12, 2, 2, tzinfo=datetime.UTC)):
        client = client_for(org.branch_head)
        html = client.get(reverse("reports:summary")).content.decode()
        assert 'data-testid="period-previous"' not in html
        today = client.get(reverse("reports:summary") + "?start=2026-12-02&end=2026-12-02")
        # Today's page: no day before the regions, and back to the latest week.
        assert 'data-testid="period-previous"' not in today.content.decode()
        assert 'data-testid="period-latest"' in today.content.decode()
        region = client.get(reverse("reports:region", kwargs={"region_id": org.region.pk}))
        assert 'data-testid="period-previous"' not in region.content.decode()
        # A region there all along steps back as ever.
        Region.objects.filter(pk=org.region.pk).update(created_on=None)
        html = client.get(reverse("reports:summary")).content.decode()
        assert 'data-testid="period-previous"' in html
