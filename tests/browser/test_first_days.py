"""A joiner imported with a hire date next week logs in on her phone before it."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests import factories as f
from tests.browser import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OWN = "Wufang-own-2026"


def test_a_joiner_before_her_start_is_told_when_she_starts(org, login, new_page):
    """Her first login, after the forced password change, went to 无权操作 … 请联系管理员
    把您加入所在区域, though the import had placed her from her 入职日期."""
    start = timezone.localdate() + datetime.timedelta(days=5)
    joiner = f.UserFactory(name="吴芳", must_change_password=True)
    f.MembershipFactory(user=joiner, region=org.region, start_date=start)

    page = login(new_page(**PHONE), joiner)
    page.locator("#id_old_password").fill("correct horse 42")
    page.locator("#id_new_password1").fill(OWN)
    page.locator("#id_new_password2").fill(OWN)
    page.get_by_role("button", name="修改密码").click()
    joining = page.get_by_test_id("joining-on")
    expect(joining).to_contain_text(start.isoformat())
    expect(joining).to_contain_text(org.region.name)
    expect(page.get_by_role("heading", name="无权操作")).to_have_count(0)
    # Her only link there opens.
    page.get_by_role("main").get_by_role("link").first.click()
    expect(page.get_by_role("heading", name="我的准主顾")).to_be_visible()
