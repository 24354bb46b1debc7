"""A log typed on a phone survives the session expiring before it is saved."""

import pytest
from playwright.sync_api import expect

from activity.models import DailyLog, Prospect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_nothing_typed_is_lost_when_the_session_expires(org, live_server, login, new_page):
    page = login(new_page(viewport={"width": 375, "height": 812}), org.am)
    page.locator("#id_count_visits").fill("7")
    page.locator("#id_count_leaflets").fill("40")
    page.locator("#id_visits-0-customer").fill("顺达快递")
    page.locator("#id_visits-0-needs").fill("车队二十台车想统一续保")
    page.get_by_label("我的备注").fill("下午在城西物流园")

    page.context.clear_cookies(name="sessionid")  # the session ends while the AM types
    page.get_by_test_id("save-draft").click()
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    assert not DailyLog.objects.exists()

    page.get_by_label("工号").fill(org.am.employee_no)
    page.get_by_label("密码").fill("correct horse 42")
    page.get_by_role("button", name="登录").click()

    expect(page.get_by_test_id("draft-restored")).to_be_visible()
    expect(page.locator("#id_count_visits")).to_have_value("7")
    expect(page.locator("#id_visits-0-customer")).to_have_value("顺达快递")
    expect(page.get_by_label("我的备注")).to_have_value("下午在城西物流园")
    page.get_by_test_id("save-draft").click()
    expect(page.get_by_text("草稿已保存")).to_be_visible()

    log = DailyLog.objects.get(author=org.am)
    assert log.remarks == "下午在城西物流园"
    assert log.values.get(metric__code="leaflets").value == 40
    assert log.visits.get().needs == "车队二十台车想统一续保"
    # Saved: the copy in the browser is dropped, and a reload shows no notice.
    page.reload()
    expect(page.get_by_test_id("draft-restored")).to_be_hidden()


def test_a_saved_log_is_not_put_back_from_the_copy_when_the_phone_clock_runs_fast(
    org, live_server, login, new_page
):
    """The copy used to be compared by time: with the phone's clock ahead (or within the
    same second), a saved log came back as "not saved yet", its new prospect unlinked and
    ticked again, so each further save added the same prospect once more."""
    page = new_page(viewport={"width": 375, "height": 812})
    page.add_init_script("Date.now = ((now) => () => now() + 10 * 60 * 1000)(Date.now);")
    page = login(page, org.am)
    page.locator("#id_visits-0-customer").fill("东城物流公司")
    page.locator("#visits details summary").first.click()
    page.locator("#id_visits-0-save_prospect").check()
    page.locator("#id_visits-0-prospect_phone").fill("13912345678")
    page.get_by_test_id("save-draft").click()
    expect(page.get_by_text("草稿已保存")).to_be_visible()
    expect(page.get_by_test_id("draft-restored")).to_be_hidden()
    expect(page.locator("#id_visits-0-save_prospect")).not_to_be_checked()

    page.get_by_test_id("save-draft").click()
    expect(page.get_by_text("草稿已保存")).to_be_visible()
    assert Prospect.objects.filter(owner=org.am, name="东城物流公司").count() == 1
    assert DailyLog.objects.get(author=org.am).visits.get().prospect.name == "东城物流公司"
