"""Every role's main pages on a 360 px phone, in Chinese and in English, on the demo's
data: nothing runs past the right edge, and the trend charts' weeks read as dates.

QA: in English the plan tables (the AM's month and week, the region's, a goal sheet's)
were 470–510 px wide on a 360 px phone, their pace column out of sight; the charts'
weeks read "09/28", like a fraction; the sign-off queue's and the regions' headers broke
inside words ("Call / bac / ks", "Re / turned").
"""

import datetime
import re

import pytest
from django.utils import timezone

from accounts import demo as org_demo
from accounts.models import User
from activity import demo as activity_demo
from planning import demo as planning_demo
from reports import demo as reports_demo
from tests.browser import broken_header_words, sideways, unreadable_chart_texts
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SMALL_PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}

# A week on a chart's axis, as Django's MONTH_DAY_FORMAT writes it (config/formats).
WEEK_LABEL = {"zh-hans": r"\d{1,2}月\d{1,2}日", "en": r"[A-Z][a-z]{2} \d{1,2}"}


@pytest.fixture
def demo():
    """The demo branch, small: every role, a month of logs, plans and rolled-up weeks."""
    today = timezone.localdate()
    org = org_demo.build_org(am_count=10, start=today - datetime.timedelta(weeks=5))
    activity_demo.build_logs(org=org, today=today, weeks=4)
    planning_demo.build_plans(org=org, today=today, weeks=4)
    reports_demo.build_rollups(org=org, today=today, weeks=2)
    return org


def _pages(org) -> dict:
    """Role → (login, the pages its menu leads to and the plan pages one tap further)."""
    today = timezone.localdate().isoformat()
    am, region = org.account_managers[0], org.regions[0]  # 1001, 西北
    direct = org.regions[-1]  # 直属, the branch head's
    return {
        "am": (am, ["/logs/today/", "/logs/mine/", "/prospects/", "/plan/",
                    f"/plan/monthly/{today}/", f"/plan/weekly/{today}/"]),
        "rm": (region.manager, ["/sign-off/", "/plan/", f"/plan/regions/{region.pk}/", "/reports/"]),
        "area_manager": (region.area.manager, ["/", "/plan/", "/reports/"]),
        "branch_head": (org.branch.head, ["/", "/sign-off/", f"/plan/regions/{direct.pk}/", "/reports/"]),
        "admin": (None, ["/", "/staff/import/", "/plan/items/"]),
    }  # fmt: skip


def test_every_roles_pages_fit_a_360_px_phone(demo, live_server, login, new_page, settings):
    found, charts, broken = {}, {}, {}
    for role, (user, paths) in _pages(demo).items():
        user = user or User.objects.get(employee_no="0001")
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
        page = login(new_page(**SMALL_PHONE), user)
        for language in ("zh-hans", "en"):
            cookie = {"name": settings.LANGUAGE_COOKIE_NAME, "value": language}
            page.context.add_cookies([{**cookie, "url": live_server.url}])
            for path in paths:
                page.goto(live_server.url + path)
                assert page.locator("html").get_attribute("lang") == language
                where = f"{language} {role} {path}"
                if problems := sideways(page):
                    found[where] = problems
                if words := broken_header_words(page):
                    broken[where] = words
                # A template comment run over two lines is printed, not hidden.
                assert "{#" not in page.locator("main").inner_text(), where
                if page.locator("svg[data-testid=trend-chart]").count():
                    texts = page.locator("svg[data-testid=trend-chart] text").all_text_contents()
                    weeks = [t for t in texts if not re.fullmatch(r"\d+%?", t)]  # not the values
                    charts[where] = (language, weeks, unreadable_chart_texts(page))
        page.context.close()

    assert found == {}, f"past the right edge of a 360 px phone: {found}"
    assert broken == {}, f"header words broken over two lines: {broken}"
    assert {"en am /plan/", "zh-hans rm /reports/"} <= charts.keys()
    for where, (language, weeks, unreadable) in charts.items():
        assert weeks and all(re.fullmatch(WEEK_LABEL[language], w) for w in weeks), (where, weeks)
        assert unreadable == [], where


def test_a_regions_plan_with_someone_behind_fits_a_phone(demo, live_server, login, new_page):
    """QA: a region's plan was 614 px wide on a 360 px phone with the demo's 40 account
    managers: the hidden words "Behind" of a cell scrolled out of sight in the wide table
    were placed against the page, not against the table's box, and widened the page."""
    head = demo.branch.head
    head.set_password(PASSWORD)
    head.save(update_fields=["password"])
    page = login(new_page(**SMALL_PHONE), head)
    found, behind = {}, 0
    for region in demo.regions:
        page.goto(f"{live_server.url}/plan/regions/{region.pk}/")
        behind += page.locator("[data-testid^=behind-]").count()
        if problems := sideways(page):
            found[region.name] = problems
    assert behind, "nobody behind: the test shows nothing"
    assert found == {}
