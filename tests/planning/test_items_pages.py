"""The items page at a real RM's size: a year of items handed down to 50 AMs is
thousands. Each list is paged, open items first, done ones after (latest due first),
with as many queries on page 1 of a long list as for a short one."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from planning.models import ItemStatus, TrackedItem
from planning.views import ITEMS_PER_PAGE

MONDAY = datetime.date(2026, 11, 23)


def _hand_down(org, count: int, *, status=ItemStatus.DONE, start: int = 0) -> None:
    TrackedItem.objects.bulk_create(
        TrackedItem(
            assignee=org.am,
            assigner=org.rm,
            title=f"事项{start + n}",
            due_date=MONDAY - datetime.timedelta(days=start + n),
            status=status,
        )
        for n in range(count)
    )


def _titles(response, param: str) -> list[str]:
    return [item.title for item in response.context[param]]


@pytest.mark.django_db
def test_a_long_list_of_handed_down_items_is_paged_open_ones_first(org, client_for):
    _hand_down(org, ITEMS_PER_PAGE + 5)
    _hand_down(org, 2, status=ItemStatus.OPEN, start=1000)
    client = client_for(org.rm)
    first = client.get(reverse("planning:items"))
    titles = _titles(first, "handed_down")
    assert len(titles) == ITEMS_PER_PAGE
    # Open ones first (soonest due first), then the done, latest due first.
    assert titles[:4] == ["事项1001", "事项1000", "事项0", "事项1"]
    html = first.content.decode()
    assert 'data-testid="item-pages-handed"' in html and "?handed=2" in html

    second = client.get(reverse("planning:items"), {"handed": 2})
    assert _titles(second, "handed_down") == [f"事项{n}" for n in range(ITEMS_PER_PAGE - 2, 55)]


@pytest.mark.django_db
def test_the_items_page_makes_as_many_queries_with_thousands_of_items(org, client_for):
    client = client_for(org.rm)
    _hand_down(org, 3)
    client.get(reverse("planning:items"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("planning:items"))
    _hand_down(org, 3 * ITEMS_PER_PAGE, start=3)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("planning:items"))
    # The same: each list counts its items once for its pages, nothing per item (a
    # guard: the old page made no query per item either, it rendered them all).
    assert len(many) == len(few), [q["sql"][:80] for q in many.captured_queries]
    assert len(response.context["handed_down"]) == ITEMS_PER_PAGE
