"""What axe-core does not see (test_security_csp.py runs it over every role's pages): a
screen reader or a keyboard on the pages as people meet them, after a refused post, and
on the way in from the top bar."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from activity.models import LogStatus, Metric
from planning.models import PeriodKind, Target
from tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Each field marked invalid, with what its aria-describedby names: [(id, [texts])], a
# missing element as None. A marked field (.is-invalid) that a screen reader is not told
# about (no aria-invalid) shows as "NOT TOLD".
_MARKED_FIELDS = """() => [...document.querySelectorAll("main .is-invalid, main [aria-invalid=true]")]
  .map(field => [
    field.id,
    field.getAttribute("aria-invalid") === "true"
      ? (field.getAttribute("aria-describedby") || "").split(/\\s+/).filter(Boolean)
          .map(id => document.getElementById(id)?.textContent.trim() ?? null)
      : "NOT TOLD",
  ])"""


def test_a_refused_weekly_review_ties_each_error_to_its_field(org, live_server, login, new_page):
    """QA: the weekly review's hand-written fields (a metric's cause, next week's target)
    were red with an error under them that a screen reader never read: no aria-invalid,
    no aria-describedby; Django's own widgets named an error id no element had."""
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday() + 7)  # last week: over
    for metric in Metric.objects.filter(is_active=True):
        Target.objects.create(
            user=org.am,
            metric=metric,
            period_kind=PeriodKind.MONTH,
            period_start=monday.replace(day=1),
            value=400,
            updated_by=org.rm,
        )
    visits = Metric.objects.get(code="visits")
    page = login(new_page(), org.am)
    page.goto(f"{live_server.url}/plan/weekly/{monday.isoformat()}/")
    page.locator(f"#id_next_{visits.pk}").fill("abc")
    page.locator("#id_planned_visit_count").fill("-1")
    page.get_by_test_id("submit-review").click()
    expect(page.get_by_test_id("form-errors")).to_be_visible()

    marked = dict(page.evaluate(_MARKED_FIELDS))
    # Every metric fell short of its target: a cause is asked for each (none typed).
    assert marked[f"id_cause_{visits.pk}"] == [page.get_by_test_id("error-visits").inner_text()]
    assert marked[f"id_next_{visits.pk}"] == ["输入整数。"]
    assert marked["id_planned_visit_count"] == ["确保该值大于或等于0。"]
    assert all(texts != "NOT TOLD" and None not in texts for texts in marked.values()), marked
    # The first of them has the focus: a screen reader reads its label and its error.
    first = page.evaluate(_MARKED_FIELDS)[0][0]
    expect(page.locator(f"#{first}")).to_be_focused()


def _tab_to(page, selector: str, most: int = 30) -> int:
    """Press Tab until `selector` has the focus; returns how many presses it took."""
    for presses in range(1, most + 1):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return presses
    raise AssertionError(f"{selector} not reached with {most} presses of Tab")


def test_an_rm_signs_off_a_log_with_the_keyboard_alone(org, live_server, login, new_page):
    """QA: the first Tab went through the top bar, eight links for a manager, on every
    page: there was no way past it to the page. Now the first Tab offers one."""
    log = f.DailyLogFactory(author=org.am, region=org.region, date=timezone.localdate())
    page = login(new_page(), org.rm)
    page.goto(f"{live_server.url}/logs/{log.pk}/")
    page.keyboard.press("Tab")
    skip = page.get_by_test_id("skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()  # shown while it has the focus
    page.keyboard.press("Enter")
    # From the page itself: the next Tab is in <main>, not the top bar.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")

    _tab_to(page, "textarea[name=comment]")
    page.keyboard.type("客户跟进及时")
    page.keyboard.press("Tab")
    expect(page.get_by_test_id("sign-off")).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    log.refresh_from_db()
    assert log.status == LogStatus.SIGNED_OFF
    assert log.manager_comment == "客户跟进及时"


# Each table's rows of figures with no header of their own, and its headers that say
# nothing or do not say which way they apply: [testid, problem, the row or cell's text].
_UNHEADED = """() => [...document.querySelectorAll("main table")].flatMap(table => {
  const id = table.dataset.testid;
  const problems = [];
  for (const th of table.querySelectorAll("th")) {
    if (!th.textContent.trim() && !th.querySelector("[aria-label]")) problems.push([id, "empty", th.outerHTML]);
    else if (!th.hasAttribute("scope")) problems.push([id, "no scope", th.textContent.trim()]);
  }
  for (const row of table.querySelectorAll("tbody > tr, tfoot > tr")) {
    if (row.cells.length > 1 && !row.querySelector("th[scope=row]")) problems.push([id, "no row header", row.textContent.trim().slice(0, 40)]);
  }
  return problems;
})"""


def test_the_managers_tables_say_whose_figures_each_cell_holds(org, live_server, login, new_page):
    """QA: a screen reader moving along a row of the sign-off queue, the week grid or the
    summary said "3", "已签批", "87.5%" but not whose: every cell was a td, the headers
    had no scope, and a sorted column's ▲ was read as a picture or not at all."""
    today = timezone.localdate()
    for author in (org.am, org.peer_am):
        f.DailyLogFactory(author=author, region=org.region, date=today)
    page = login(new_page(), org.rm)
    problems = []
    for path in (
        reverse("activity:queue"),
        reverse("activity:week_grid", args=[org.region.pk]),
        reverse("planning:region", args=[org.region.pk]),
        reverse("reports:summary") + "?sort=-score",
    ):
        page.goto(live_server.url + path)
        problems += page.evaluate(_UNHEADED)
    assert problems == []
    # What a screen reader says of the sorted column's header.
    header = page.get_by_role("columnheader", name="任务完成率 (降序排列)")
    expect(header).to_be_visible()
    page.goto(live_server.url + reverse("activity:queue"))
    expect(page.get_by_role("rowheader", name=org.am.name)).to_be_visible()


def test_an_arrow_key_on_the_language_switch_does_not_switch_the_page(live_server, new_page):
    """QA: Tab through the footer and press an arrow on the language box: Chromium
    changes a closed select at once, and the page reloaded in English before the choice
    was made (WCAG 3.2.2). From the keyboard, Enter switches; a tap or click still does."""
    page = new_page()
    page.goto(f"{live_server.url}/login/")
    page.locator("#language").focus()
    page.keyboard.press("ArrowDown")
    page.wait_for_timeout(500)  # a submit would have started by now
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("#language")).to_have_value("en")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    # A pointer's choice (a select_option, as a tap in the list) still switches at once.
    with page.expect_navigation():
        page.locator("#language").select_option("zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
