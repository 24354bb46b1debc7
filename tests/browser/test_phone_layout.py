"""Small-phone QA (360 px, touch): the pages managers read standing in the field."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from activity.models import Metric
from tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SMALL_PHONE = {"viewport": {"width": 360, "height": 640}, "is_mobile": True, "has_touch": True}

# How many lines a table header's text takes.
_HEADER_LINES = """th => {
  const style = getComputedStyle(th);
  const text = th.getBoundingClientRect().height
    - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
  return Math.round(text / parseFloat(style.lineHeight));
}"""
_FITS = "box => box.scrollWidth <= box.clientWidth"


def test_queue_and_regions_today_fit_a_360_px_phone(org, live_server, login, new_page):
    """QA: a 4-digit count or a long name made the queue scroll sideways (促成 off
    screen), in English even without them; Regions today stood its headers one character
    a line (已/退/回) and in English hid its last columns."""
    org.am.name = "欧阳慕容雪儿娜"
    org.am.save(update_fields=["name"])
    log = f.DailyLogFactory(
        author=org.am, region=org.region, date=timezone.localdate() - datetime.timedelta(days=1)
    )
    for metric in Metric.objects.filter(is_active=True):
        f.MetricValueFactory(log=log, metric=metric, value=1200)

    rm = login(new_page(**SMALL_PHONE), org.rm)
    queue = rm.get_by_test_id("queue")
    expect(queue).to_contain_text("欧阳慕容雪儿娜")
    assert queue.locator("xpath=..").evaluate(_FITS)
    # The tick is a thumb high; the bell beside the menu button too.
    assert rm.locator(f"label[for=tick-{log.pk}]").bounding_box()["height"] >= 44
    assert rm.get_by_test_id("bell-phone").bounding_box()["height"] >= 44
    with rm.expect_navigation():
        rm.get_by_label("语言").select_option("en")
    expect(queue).to_contain_text("Closings")
    assert queue.locator("xpath=..").evaluate(_FITS)

    head = login(new_page(**SMALL_PHONE), org.branch_head)
    table = head.get_by_test_id("region-status")
    expect(table).to_contain_text("区域经理东")  # under the region's name
    assert table.locator("xpath=..").evaluate(_FITS)
    assert table.locator("thead th", has_text="已退回").evaluate(_HEADER_LINES) <= 2
    with head.expect_navigation():
        head.get_by_label("语言").select_option("en")
    expect(table).to_contain_text("Not submitted")
    assert table.locator("xpath=..").evaluate(_FITS)
