"""Text typed or pasted without a space (a link, a policy number, a row of letters) on a
390 px phone: it wraps on the screen. The body hides what runs past the right edge, so
before, the end of a remark, a customer's need or an item's title could not be read."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from activity.models import LogStatus
from planning.models import TrackedItem
from tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}

LINK = "https://mp.weixin.qq.com/s?__biz=MzA5NjQ0MjYxMw==&mid=2650" + "x" * 140
_FITS = "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"


def test_unbroken_text_wraps_on_a_390_px_phone(org, live_server, login, new_page):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    log = f.DailyLogFactory(
        author=org.am,
        region=org.region,
        date=yesterday,
        status=LogStatus.SIGNED_OFF,
        signed_off_by=org.rm,
        remarks="见附件" + LINK,
        manager_comment="C" * 300,
    )
    f.VisitRecordFactory(log=log, customer="K" * 100, needs="N" * 500, next_step="S" * 200)
    f.ProspectFactory(owner=org.am, name="P" * 100)
    item = TrackedItem.objects.create(
        assignee=org.am, assigner=org.rm, title="T" * 200, due_date=yesterday
    )

    page = login(new_page(**PHONE), org.am)
    for path, shown in [
        (f"/logs/{log.pk}/", "见附件"),
        ("/prospects/", "P" * 100),
        ("/plan/items/", "T" * 200),
        (f"/plan/items/{item.pk}/", "T" * 200),
    ]:
        page.goto(live_server.url + path)
        expect(page.get_by_text(shown).first).to_be_visible()
        assert page.evaluate(_FITS), path

    # A name pasted without spaces (64 letters, the most a name holds), on the RM's pages.
    org.peer_am.name = "N" * 64
    org.peer_am.save(update_fields=["name"])
    rm = login(new_page(**PHONE), org.rm)
    for path in ["/sign-off/", f"/plan/people/{org.peer_am.pk}/"]:
        rm.goto(live_server.url + path)
        expect(rm.get_by_text("N" * 64).first).to_be_visible()
        assert rm.evaluate(_FITS), path
