"""An AM with hundreds of prospects finds one by typing its name in a visit's customer
box: QA, 400 names in a phone's picker wheel ("从我的准主顾中选择") were no way to find
the one visited, so visits went unlinked and the prospect's stage did not follow."""

import pytest
from playwright.sync_api import expect

from activity.models import DailyLog, IntentStage
from tests import factories as f
from tests.browser import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_typing_a_prospects_name_picks_it(org, live_server, login, new_page):
    for i in range(60):
        f.ProspectFactory(owner=org.am, name=f"客户{i:03d}")
    whole = f.ProspectFactory(owner=org.am, name="恒通物流有限公司")
    short = f.ProspectFactory(owner=org.am, name="恒通物流")
    chosen = f.ProspectFactory(owner=org.am, name="城东汽修厂")

    page = login(new_page(**PHONE), org.am)
    assert page.locator("#prospect-names option").count() == 63
    customer, picker = page.locator("#id_visits-0-customer"), page.locator("#id_visits-0-prospect")
    expect(customer).to_have_attribute("list", "prospect-names")

    customer.fill("恒通物流有限公司")
    expect(picker).to_have_value(str(whole.pk))
    customer.fill("恒通")  # no prospect of that name: the one picked by name is dropped
    expect(picker).to_have_value("")
    customer.fill("恒通物流")
    expect(picker).to_have_value(str(short.pk))

    # One chosen in the list stays when the box is changed.
    page.get_by_test_id("add-visit").click()
    page.locator("#id_visits-1-prospect").select_option(str(chosen.pk))
    expect(page.locator("#id_visits-1-customer")).to_have_value("城东汽修厂")
    page.locator("#id_visits-1-customer").fill("城东汽修厂 王经理")
    expect(page.locator("#id_visits-1-prospect")).to_have_value(str(chosen.pk))

    page.locator("#id_count_visits").fill("2")
    page.locator("#id_visits-0-stage").select_option(label="有意向")
    page.get_by_test_id("submit-log").click()
    expect(page.get_by_text("日志已提交给区域经理。")).to_be_visible()

    visits = list(DailyLog.objects.get(author=org.am).visits.order_by("order"))
    assert [(v.customer, v.prospect_id) for v in visits] == [
        ("恒通物流", short.pk),
        ("城东汽修厂 王经理", chosen.pk),
    ]
    short.refresh_from_db()
    assert short.stage == IntentStage.INTERESTED


def test_a_name_pasted_from_wechat_picks_the_prospect(org, live_server, login, new_page):
    """Pasted from a WeChat message, 恒通物流 carries a zero-width space (or came typed in
    full width, with a space): the box picked no prospect, and the visit went unlinked."""
    prospect = f.ProspectFactory(owner=org.am, name="恒通物流4S店")
    f.ProspectFactory(owner=org.am, name="城东汽修厂")
    page = login(new_page(**PHONE), org.am)
    customer, picker = page.locator("#id_visits-0-customer"), page.locator("#id_visits-0-prospect")
    for typed in ("恒通物流4S店\u200b", "恒通 物流４Ｓ店", "\u202a恒通物流4s店\u202c"):
        customer.fill("")
        expect(picker).to_have_value("")
        customer.fill(typed)
        expect(picker).to_have_value(str(prospect.pk))
