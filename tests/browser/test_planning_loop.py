"""The plan → act → review loop in headless Chromium.

The RM sets an AM's monthly targets; the AM logs visits on three days of last week;
the AM's weekly review shows the gap computed from those logs; submitting without a
countermeasure for the missed metric shows the error next to it and keeps what was
typed; with both it submits; the RM writes a coaching note; the AM sees it.
"""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from activity.models import Metric
from planning.calendar import BranchRules
from planning.models import Target, WeeklyReview
from tests.browser import PHONE, unreadable_chart_texts
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_monthly_target_to_weekly_review_and_coaching(org, live_server, login, new_page):
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday() + 7)  # last week: three past days
    # A week with working days, so the monthly target gives it a share (not a holiday week).
    while BranchRules().count(monday, monday + datetime.timedelta(days=6)) < 3:
        monday -= datetime.timedelta(weeks=1)
    month = monday.replace(day=1)
    visits = Metric.objects.get(code="visits")

    # 1. The RM sets the AM's monthly targets: 400 visits, nothing else.
    rm_page = login(new_page(), org.rm)
    rm_page.goto(f"{live_server.url}/plan/people/{org.am.pk}/targets/{month.isoformat()}/")
    for metric in Metric.objects.filter(is_active=True):
        rm_page.locator(f"#id_metric_{metric.pk}").fill("400" if metric == visits else "0")
    rm_page.get_by_test_id("save-targets").click()
    expect(rm_page.get_by_test_id("target-history")).to_contain_text("400")
    assert Target.objects.get(user=org.am, metric=visits, period_kind="month").value == 400

    # 2. The AM logs 3 + 4 + 5 visits on Monday, Tuesday and Wednesday.
    am_page = login(new_page(), org.am)
    for offset, count in enumerate((3, 4, 5)):
        day = monday + datetime.timedelta(days=offset)
        am_page.goto(f"{live_server.url}/logs/{day.isoformat()}/edit/")
        am_page.locator("#id_count_visits").fill(str(count))
        am_page.get_by_test_id("submit-log").click()
        expect(am_page.get_by_test_id("log-status")).to_be_visible()

    # 3. The weekly review shows target, actual 12 and the gap between them.
    am_page.goto(f"{live_server.url}/plan/weekly/{monday.isoformat()}/")
    card = am_page.locator('[data-metric="visits"]')
    expect(card.locator('[data-col="actual"]')).to_have_text("12")
    target = int(card.locator('[data-col="target"]').inner_text())
    assert target > 12
    expect(card.locator('[data-col="gap"]')).to_have_text(str(12 - target))

    # 4. Submitting with a cause but no countermeasure: error by the metric, input kept.
    am_page.locator("#id_situation_analysis").fill("本周下雨两天")
    am_page.locator(f"#id_cause_{visits.pk}").fill("下雨，车队客户没约上")
    am_page.locator("#id_planned_new").fill("恒通物流")
    am_page.get_by_test_id("submit-review").click()
    expect(am_page.get_by_test_id("error-visits-countermeasure")).to_be_visible()
    expect(am_page.locator(f"#id_cause_{visits.pk}")).to_have_value("下雨，车队客户没约上")
    expect(am_page.locator("#id_situation_analysis")).to_have_value("本周下雨两天")
    expect(am_page.locator("#id_planned_new")).to_have_value("恒通物流")
    assert not WeeklyReview.objects.exists()

    # 5. With the countermeasure it submits.
    am_page.locator(f"#id_countermeasure_{visits.pk}").fill("周末补访两家车队")
    am_page.get_by_test_id("submit-review").click()
    expect(am_page.get_by_test_id("review-table")).to_be_visible()
    review = WeeklyReview.objects.get(author=org.am)
    assert review.status == "submitted"
    assert review.lines.get(metric=visits).countermeasure == "周末补访两家车队"

    # 6. The RM reviews it with a coaching note.
    rm_page.goto(f"{live_server.url}/plan/weekly/reviews/{review.pk}/")
    rm_page.locator("#id_coaching_note").fill("先电话预约车队负责人再上门")
    rm_page.get_by_test_id("save-coaching").click()
    expect(rm_page.get_by_test_id("coaching-note")).to_contain_text("先电话预约")

    # 7. The AM sees it.
    am_page.goto(f"{live_server.url}/plan/weekly/reviews/{review.pk}/")
    expect(am_page.get_by_test_id("coaching-note")).to_contain_text("先电话预约车队负责人再上门")


def test_the_am_reads_their_plan_on_a_phone(org, login, new_page):
    """At 375 px every plan table fits its box: no column hides past the right edge."""
    month = timezone.localdate().replace(day=1)
    for metric in Metric.objects.filter(is_active=True):
        Target.objects.create(
            user=org.am,
            metric=metric,
            period_kind="month",
            period_start=month,
            value=1250,
            updated_by=org.rm,
        )
    page = login(new_page(**PHONE), org.am)
    page.get_by_role("button", name="菜单").click()
    page.get_by_test_id("nav-plan").click()
    # The log page's pace panel has a plan table too: wait for the plan page itself.
    page.wait_for_url("**/plan/**")
    tables = page.get_by_test_id("plan-table")
    expect(tables.first).to_contain_text("1250")
    assert tables.count() >= 2  # this month's and this week's
    for box in page.locator(".table-responsive:has([data-testid=plan-table])").all():
        assert box.evaluate("box => box.scrollWidth <= box.clientWidth"), box.inner_text()
    # The trend chart is drawn for the phone: its labels readable, none on top of another.
    assert not unreadable_chart_texts(page)


def test_an_rm_hands_an_item_to_two_ams_on_a_phone(org, live_server, login, new_page):
    """QA (a new branch): the people were a list picked with Ctrl held, which an RM did
    not know and a phone does not have; they are tick boxes."""
    from planning.models import TrackedItem

    page = login(new_page(**PHONE), org.rm)
    page.goto(f"{live_server.url}/plan/items/new/")
    page.get_by_label("标题").fill("整理续保名单")
    page.get_by_label("截止日期").fill(
        (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    )
    page.get_by_label(org.am.name).check()
    page.get_by_label(org.peer_am.name).check()
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("整理续保名单").first).to_be_visible()
    assert set(TrackedItem.objects.values_list("assignee__name", flat=True)) == {
        org.am.name,
        org.peer_am.name,
    }


def test_an_rm_s_slips_on_a_phone_get_the_pages_own_words(org, live_server, login, new_page):
    """QA (390 px, an English browser): the RM's agree, reopen and coaching forms let the
    browser judge them first. "-3" or a blank count stopped 确认 with the browser's bubble
    ("Please match the requested format", in the browser's language, naming no rule),
    and a blank coaching note with "Please fill out this field": the pages' Chinese
    messages never showed. The server judges them now, next to the box, keeping what was
    typed."""
    from planning import services
    from planning.models import MonthlyGoalSheet

    month = timezone.localdate().replace(day=1)
    metrics = list(Metric.objects.filter(is_active=True))
    sheet = services.monthly_sheet_save(
        author=org.am,
        month=month,
        proposed={m.pk: 40 for m in metrics},
        focus_items="车队统保",
        submit=True,
    )
    page = login(new_page(**PHONE), org.rm)
    page.goto(f"{live_server.url}/plan/monthly/sheets/{sheet.pk}/")
    first, second = (page.locator(f"#id_metric_{m.pk}") for m in metrics[:2])
    first.fill("-3")
    second.fill("")
    page.locator("#id_comment").fill("拜访再加一点")
    page.get_by_test_id("agree").click()
    form = page.get_by_test_id("agree-form")
    expect(form).to_contain_text("确保该值大于或等于0。")
    expect(form).to_contain_text("这个字段是必填项。")
    expect(first).to_have_value("-3")
    expect(page.locator("#id_comment")).to_have_value("拜访再加一点")
    assert MonthlyGoalSheet.objects.get().status == "submitted"

    first.fill("45")
    second.fill("40")
    page.get_by_test_id("agree").click()
    expect(page.get_by_test_id("sheet-status")).to_have_text("已确认")
    page.get_by_test_id("reopen").click()  # no reason given
    expect(page.get_by_test_id("error-reason")).to_have_text("请说明原因。")
    assert MonthlyGoalSheet.objects.get().status == "agreed"

    review = WeeklyReview.objects.create(
        author=org.am,
        region=org.region,
        week_start=timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday()),
        status="submitted",
        submitted_at=timezone.now(),
    )
    page.goto(f"{live_server.url}/plan/weekly/reviews/{review.pk}/")
    page.get_by_test_id("save-coaching").click()
    expect(page.get_by_test_id("coaching-error")).to_have_text("请填写辅导意见。")
    review.refresh_from_db()
    assert review.status == "submitted"


def test_an_rm_s_coaching_note_and_adjusted_figures_wait_for_her_on_the_phone(
    org, live_server, login, new_page
):
    """QA (390 px): the RM half wrote a coaching note, opened the plan page to look
    something up and came back: the note was gone, as were the figures she had adjusted
    on a goal sheet. Both are kept on the phone until saved, as the AM's forms are."""
    from planning import services

    monday = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday())
    review = WeeklyReview.objects.create(
        author=org.am,
        region=org.region,
        week_start=monday,
        status="submitted",
        submitted_at=timezone.now(),
    )
    metrics = list(Metric.objects.filter(is_active=True))
    sheet = services.monthly_sheet_save(
        author=org.am,
        month=timezone.localdate().replace(day=1),
        proposed={m.pk: 40 for m in metrics},
        focus_items="",
        submit=True,
    )
    page = login(new_page(**PHONE), org.rm)
    review_url = f"{live_server.url}/plan/weekly/reviews/{review.pk}/"
    page.goto(review_url)
    page.locator("#id_coaching_note").fill("先电话预约车队负责人，再上门")
    sheet_url = f"{live_server.url}/plan/monthly/sheets/{sheet.pk}/"
    page.goto(sheet_url)
    expect(page.get_by_test_id("draft-restored")).to_be_hidden()  # nothing typed here yet
    first = page.locator(f"#id_metric_{metrics[0].pk}")
    first.fill("45")
    page.locator("#id_comment").fill("拜访加 5 个")
    page.goto(f"{live_server.url}/plan/")

    page.goto(review_url)
    expect(page.locator("#id_coaching_note")).to_have_value("先电话预约车队负责人，再上门")
    expect(page.get_by_test_id("draft-restored")).to_be_visible()
    page.get_by_test_id("save-coaching").click()
    expect(page.get_by_test_id("coaching-note")).to_contain_text("先电话预约车队负责人")

    page.goto(sheet_url)
    expect(first).to_have_value("45")
    expect(page.locator("#id_comment")).to_have_value("拜访加 5 个")
    page.get_by_test_id("agree").click()
    expect(page.get_by_test_id("sheet-status")).to_have_text("已确认")
    sheet.refresh_from_db()
    assert sheet.lines.get(metric=metrics[0]).agreed == 45
    assert sheet.manager_comment == "拜访加 5 个"


def test_the_rm_reads_a_weekly_review_on_a_phone(org, live_server, login, new_page):
    """QA (390 px): the review's eight columns squeezed 电话回访 to a character a line and
    a cause to three, a sentence a screen tall. On a phone the cause and countermeasure
    go under their metric's figures, full width; nothing runs past the screen."""
    from planning.models import WeeklyReviewLine

    monday = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday() + 7)
    review = WeeklyReview.objects.create(
        author=org.am,
        region=org.region,
        week_start=monday,
        status="submitted",
        submitted_at=timezone.now(),
    )
    cause = "周二周三连续下雨，车队客户大多出车在外，约好的两家4S店临时改期到下周"
    for metric in Metric.objects.filter(is_active=True):
        WeeklyReviewLine.objects.create(
            review=review, metric=metric, cause=cause, countermeasure="周一先电话预约"
        )
    page = login(new_page(viewport={"width": 390, "height": 844}, is_mobile=True), org.rm)
    page.goto(f"{live_server.url}/plan/weekly/reviews/{review.pk}/")
    table = page.get_by_test_id("review-table")
    box = table.evaluate("t => [t.parentElement.scrollWidth, t.parentElement.clientWidth]")
    assert box[0] <= box[1], box
    name = table.locator('tr[data-metric="callbacks"] th')
    expect(name).to_have_text("电话回访")
    assert name.bounding_box()["height"] < 2 * 24  # one line, not four
    why = page.get_by_test_id("review-why-callbacks")
    expect(why).to_contain_text(cause)
    assert why.bounding_box()["width"] >= table.bounding_box()["width"] - 1
    # On a wide screen the columns are back, and the rows under them are not shown.
    page.set_viewport_size({"width": 1280, "height": 800})
    expect(why).to_be_hidden()
    expect(table.locator('tr[data-metric="callbacks"]')).to_contain_text(cause)


def _english_phone(new_page, live_server, user):
    """A 360 px phone whose user picked English, logged in as `user`."""
    page = new_page(viewport={"width": 360, "height": 640}, is_mobile=True)
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
    )
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Employee number").fill(user.employee_no)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    return page


def test_an_english_weekly_review_fits_a_360_px_phone(org, live_server, login, new_page):
    """QA: in English the review's six phone columns (Completion, Next week's target) made
    the table 439 px wide on a 375 px phone, its completion column off screen; the
    Chinese fitted. Headers stay whole words."""
    monday = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday() + 7)
    review = WeeklyReview.objects.create(
        author=org.am, region=org.region, week_start=monday, status="submitted"
    )
    for metric in Metric.objects.filter(is_active=True):
        Target.objects.create(
            user=org.am,
            metric=metric,
            period_kind="week",
            period_start=monday,
            value=125,
            updated_by=org.rm,
        )
    page = _english_phone(new_page, live_server, org.rm)
    page.goto(f"{live_server.url}/plan/weekly/reviews/{review.pk}/")
    table = page.get_by_test_id("review-table")
    expect(table).to_contain_text("Completion")
    box = table.evaluate("t => [t.parentElement.scrollWidth, t.parentElement.clientWidth]")
    assert box[0] <= box[1], box
    # "Completion" on one line: its text's line boxes, not the cell (as tall as the row).
    lines = (
        table.locator("thead th")
        .nth(4)
        .evaluate(
            """th => { const r = document.createRange(); r.selectNodeContents(th);
          return new Set([...r.getClientRects()].map(b => Math.round(b.top))).size; }"""
        )
    )
    assert lines == 1, lines


def test_an_english_target_history_fits_a_360_px_phone(org, live_server, login, new_page):
    """Its four columns are there so a phone shows every change whole; in English
    "Month 2026-11-01" kept on one line made it 365 px wide on a 360 px phone."""
    from planning import services
    from planning.models import PeriodKind

    month = timezone.localdate().replace(day=1)
    visits = Metric.objects.get(code="visits")
    kwargs = dict(user=org.am, metric_id=visits.pk, kind=PeriodKind.MONTH, start=month)
    services.target_set(actor=org.rm, value=100, reason="", **kwargs)
    services.target_set(actor=org.rm, value=120, reason="客户搬走了", **kwargs)
    page = _english_phone(new_page, live_server, org.rm)
    page.goto(f"{live_server.url}/plan/people/{org.am.pk}/targets/{month.isoformat()}/")
    table = page.get_by_test_id("target-history")
    expect(table).to_contain_text("Month")
    box = table.evaluate("t => [t.parentElement.scrollWidth, t.parentElement.clientWidth]")
    assert box[0] <= box[1], box


def test_the_region_plan_s_headers_break_between_words_on_a_phone(
    org, live_server, login, new_page
):
    """QA (390 px): the region's per-AM table, which scrolls sideways anyway, broke its
    headers inside words: 电话回 over 访, and 实际 / 标 over 准."""
    page = login(new_page(viewport={"width": 390, "height": 844}, is_mobile=True), org.rm)
    page.goto(f"{live_server.url}/plan/regions/{org.region.pk}/")
    lines = page.get_by_test_id("member-table").evaluate(
        """t => [...t.querySelectorAll("thead th")].flatMap(th => [...th.childNodes]
          .flatMap(n => n.nodeType === 3 ? [n] : [...n.childNodes].filter(c => c.nodeType === 3))
          .filter(n => n.textContent.trim())
          .map(n => {
            const lines = (start, end) => { const r = document.createRange();
              r.setStart(n, start); r.setEnd(n, end);
              return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size; };
            const text = n.textContent, end = text.trimEnd().length;
            return [text.trim(), lines(0, text.length), lines(end - 2, end)]; }))"""
    )
    # [text, lines, lines of its last two characters]: a name without a space (电话回访,
    # 加权完成率) on one line; 实际 / 标准 breaks at its spaces only, 标准 whole.
    assert all(n == 1 for text, n, _last in lines if " " not in text), lines
    assert all(last == 1 for _text, _n, last in lines), lines
    assert ["电话回访", 1, 1] in lines
