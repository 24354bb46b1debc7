"""The top bar marks the entry the page shown belongs to, and only that one."""

import datetime
import re

import pytest
from django.urls import reverse

from tests import factories as f

CURRENT_LINK = re.compile(r'<a class="nav-link active" aria-current="page" href="([^"]+)"')


def current_links(response) -> list[str]:
    assert response.status_code == 200
    return CURRENT_LINK.findall(response.content.decode())


@pytest.mark.parametrize(
    "persona, page, entry",
    [
        ("am", lambda o, t: reverse("activity:log_edit", kwargs={"day": t}), "activity:today"),
        (
            "am",
            lambda o, t: reverse("activity:log_edit", kwargs={"day": t - datetime.timedelta(1)}),
            "activity:my_logs",
        ),
        (
            "am",
            lambda o, t: reverse("activity:log_detail", kwargs={"pk": o.log.pk}),
            "activity:my_logs",
        ),
        ("am", lambda o, t: reverse("activity:prospect_create"), "activity:prospect_list"),
        ("am", lambda o, t: reverse("planning:index"), "planning:index"),
        ("am", lambda o, t: reverse("planning:item_create"), "planning:items"),
        ("rm", lambda o, t: reverse("activity:queue"), "activity:queue"),
        (
            "rm",
            lambda o, t: reverse("activity:log_detail", kwargs={"pk": o.log.pk}),
            "activity:queue",
        ),
        (
            "rm",
            lambda o, t: reverse("activity:week_grid", kwargs={"region_id": o.region.pk}),
            "activity:queue",
        ),
        (
            "rm",
            lambda o, t: reverse("planning:region", kwargs={"region_id": o.region.pk}),
            "planning:index",
        ),
        ("branch_head", lambda o, t: reverse("accounts:home"), "accounts:home"),
        (
            "branch_head",
            lambda o, t: reverse("reports:region", kwargs={"region_id": o.region.pk}),
            "reports:summary",
        ),
        ("admin", lambda o, t: reverse("accounts:staff_import"), "accounts:staff_import"),
        ("admin", lambda o, t: reverse("planning:target_import"), "planning:target_import"),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_the_top_bar_marks_the_entry_of_the_page(org, client_for, today, persona, page, entry):
    org.log = f.DailyLogFactory(
        author=org.am, region=org.region, date=today - datetime.timedelta(2)
    )
    response = client_for(getattr(org, persona)).get(page(org, today), follow=True)
    assert current_links(response) == [reverse(entry)]


def test_pages_outside_the_top_bar_mark_nothing(org, client_for):
    response = client_for(org.am).get(reverse("activity:notifications"))
    assert current_links(response) == []
    missing = client_for(org.am).get("/no-such-page/")
    assert missing.status_code == 404 and "aria-current" not in missing.content.decode()
