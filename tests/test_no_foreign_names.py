"""Nobody reads what is not theirs, on any page they can reach.

The permission matrix asks for each URL with a foreign object in it; this walks every
page a persona reaches by following links from their home page (GET only, as a person
clicking would) and checks that no page shows a name or a customer from outside their
slice of the org: another region's account managers, another branch's, another AM's
customers. A leak in a list, a notification, a drop-down or a link's text shows here
although every URL answers with the right status.
"""

import datetime

import pytest
from django.utils import timezone

from accounts.models import User
from activity import services as activity_services
from activity.models import Metric
from activity.services import VisitInput
from planning import services as planning_services
from tests import factories as f
from tests.matrix import extra_persona
from tests.walk import walk

TODAY = timezone.localdate()
# What each AM's records carry: their own customer's and prospect's names, unique.
CUSTOMER = "{name}的客户"
PROSPECT = "{name}的准客户"


def _records_of(am, region_manager):
    """A handed-in log with a visit, signed off with a 批示, and an item handed down."""
    prospect = f.ProspectFactory(owner=am, name=PROSPECT.format(name=am.name))
    visits = Metric.objects.get(code="visits")
    log = activity_services.daily_log_save(
        author=am,
        log_date=TODAY - datetime.timedelta(days=1),
        fields={},
        counts={visits.pk: 1},
        visits=[VisitInput(customer=CUSTOMER.format(name=am.name), prospect_id=prospect.pk)],
        submit=True,
    )
    activity_services.daily_log_sign_off(log=log, actor=region_manager, comment="好")
    activity_services.daily_log_save(
        author=am,
        log_date=TODAY,
        fields={},
        counts={visits.pk: 1},
        visits=[VisitInput(customer=CUSTOMER.format(name=am.name))],
        submit=True,
    )
    month = TODAY.replace(day=1)
    planning_services.monthly_sheet_save(
        author=am,
        month=month,
        proposed={visits.pk: 20},
        focus_items=f"{am.name}的重点",
        submit=True,
    )
    planning_services.weekly_review_save(
        author=am,
        week=TODAY - datetime.timedelta(days=TODAY.weekday()),
        fields={},
        lines=[],
        planned_visits=[(prospect.pk, prospect.name)],
        short_metric_ids=[],
        submit=True,
    )
    planning_services.tracked_items_create(
        assigner=region_manager,
        assignees=[am],
        title=f"{am.name}的交办",
        details="",
        due_date=TODAY,
        is_key=False,
    )


@pytest.fixture
def walked_org(org):
    # Area 乙 of the same branch: its manager, region 南, its RM and its AM 孙七.
    org.other_area_manager = extra_persona(org, "other_area_manager")
    org.south_am = User.objects.get(name="孙七")
    south_rm = User.objects.get(name="区域经理南")
    for am, manager in (
        (org.am, org.rm),
        (org.peer_am, org.rm),
        (org.outsider_am, org.other_rm),
        (org.foreign_am, org.other_branch_head),
        (org.south_am, south_rm),
    ):
        _records_of(am, manager)
    return org


# persona → the AMs whose names, customers and prospects must appear on none of its pages.
NOT_THEIRS = {
    "am": ("outsider_am", "foreign_am", "south_am"),
    "rm": ("outsider_am", "foreign_am", "south_am"),
    "other_rm": ("am", "peer_am", "foreign_am", "south_am"),
    "area_manager": ("foreign_am", "south_am"),
    "other_area_manager": ("am", "peer_am", "outsider_am", "foreign_am"),
    "branch_head": ("foreign_am",),
    "other_branch_head": ("am", "peer_am", "outsider_am", "south_am"),
}


@pytest.mark.parametrize(("persona", "strangers"), NOT_THEIRS.items())
def test_no_page_a_persona_reaches_shows_someone_elses_people(
    client_for, walked_org, persona, strangers
):
    org = walked_org
    reader = getattr(org, persona)  # walked_org adds other_area_manager
    refused = []
    pages = walk(client_for(reader), refused)
    assert len(pages) > 5, pages.keys()  # the walk got somewhere
    # No page links what its reader may not open (a leaver's or a mover's plan was a 404).
    assert refused == []
    for stranger in strangers:
        name = getattr(org, stranger).name
        for text in (name, CUSTOMER.format(name=name), PROSPECT.format(name=name), f"{name}的"):
            leaks = [url for url, html in pages.items() if text in html]
            assert leaks == [], f"{persona} reads {text!r} on {leaks}"


def test_an_am_sees_no_peers_customers(client_for, walked_org):
    """Customers and prospects are their AM's alone, even within one region."""
    org = walked_org
    pages = walk(client_for(org.am))
    for text in (
        CUSTOMER.format(name=org.peer_am.name),
        PROSPECT.format(name=org.peer_am.name),
        f"{org.peer_am.name}的交办",
        f"{org.peer_am.name}的重点",
    ):
        leaks = [url for url, html in pages.items() if text in html]
        assert leaks == [], f"the AM reads {text!r} on {leaks}"
