"""An AM with 400 prospects plans next week's visits on a 390 px phone.

QA: 拟拜访的准主顾 was a multi-select of 400 names, on a phone a picker wheel with no
search. She now types part of a name in the filter box, ticks the one she means among
the few left, and a prospect's full name typed in the text box is linked too."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from planning.models import WeeklyReview
from tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_390 = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def test_finding_and_ticking_prospects_among_400(org, live_server, login, new_page):
    for i in range(398):
        f.ProspectFactory(owner=org.am, name=f"客户{i:03d}")
    garage = f.ProspectFactory(owner=org.am, name="城东汽修厂")
    school = f.ProspectFactory(owner=org.am, name="城西驾校")
    monday = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday())

    page = login(new_page(**PHONE_390), org.am)
    page.goto(f"{live_server.url}/plan/weekly/{monday.isoformat()}/")
    rows = page.locator("#id_planned_prospects .form-check")
    assert rows.count() == 400
    search = page.get_by_placeholder("输入名称查找准主顾")
    expect(search).to_be_visible()
    # The list scrolls in a box of its own: 400 rows do not make the page 400 rows long.
    assert page.locator("#id_planned_prospects").bounding_box()["height"] < 300
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    search.fill("汽修")
    expect(rows.filter(visible=True)).to_have_count(1)
    page.get_by_label("城东汽修厂").check()
    search.fill("客户12")  # 客户120–129, and the ticked garage stays in view
    expect(rows.filter(visible=True)).to_have_count(11)
    expect(page.get_by_label("城东汽修厂")).to_be_checked()
    search.fill("没有的名字")
    expect(page.get_by_text("没有这个名称的准主顾。")).to_be_hidden()  # the ticked one shows
    page.get_by_label("城东汽修厂").uncheck()
    search.fill("没有的名字x")
    expect(page.get_by_text("没有这个名称的准主顾。")).to_be_visible()
    search.fill("城东")
    page.get_by_label("城东汽修厂").check()

    page.locator("#id_planned_new").fill("城西驾校\n恒通物流")
    page.get_by_test_id("save-review").click()
    expect(page.get_by_text("草稿已保存。")).to_be_visible()
    review = WeeklyReview.objects.get(author=org.am)
    assert [(v.prospect_id, v.customer) for v in review.planned_visits.all()] == [
        (garage.pk, "城东汽修厂"),
        (school.pk, "城西驾校"),
        (None, "恒通物流"),
    ]
    # Back on the page, both prospects are ticked.
    expect(page.get_by_label("城东汽修厂")).to_be_checked()
    expect(page.get_by_label("城西驾校")).to_be_checked()


def test_without_javascript_the_list_still_scrolls_and_ticks(org, live_server, login, new_page):
    for i in range(400):
        f.ProspectFactory(owner=org.am, name=f"客户{i:03d}")
    monday = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday())
    page = login(new_page(**PHONE_390, java_script_enabled=False), org.am)
    page.goto(f"{live_server.url}/plan/weekly/{monday.isoformat()}/")
    expect(page.get_by_placeholder("输入名称查找准主顾")).to_be_hidden()  # it needs the script
    assert page.locator("#id_planned_prospects").bounding_box()["height"] < 300
    page.get_by_label("客户399").check()  # scrolled to within its box
    page.get_by_test_id("save-review").click()
    expect(page.get_by_label("客户399")).to_be_checked()
    review = WeeklyReview.objects.get(author=org.am)
    assert [v.customer for v in review.planned_visits.all()] == ["客户399"]
