"""The reasons Footwork writes into a target's history read in the reader's language.

QA: an English reader of an AM's monthly targets read "2026-12 每月目标设定表已确认"
under Reason; and a breakdown saved by an RM using English left "Breakdown of the
annual target" in the history of a branch reading Chinese."""

import datetime

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from planning import periods, services
from planning.calendar import BranchRules
from planning.models import Target
from tests.planning.helpers import metric

D = datetime.date
NOVEMBER = D(2026, 11, 1)


@pytest.fixture(autouse=True)
def _mid_november():
    with time_machine.travel(datetime.datetime(2026, 11, 10, 2, tzinfo=datetime.UTC), tick=False):
        yield


def _history(client, language, url) -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = client.get(url).content.decode()
    return html.split('data-testid="target-history"')[1].split("</table>")[0]


def test_an_agreed_goal_sheets_reason_reads_in_the_readers_language(org, client_for):
    visits = metric("visits")
    sheet = services.monthly_sheet_save(
        author=org.am, month=NOVEMBER, proposed={visits.pk: 100}, focus_items="", submit=True
    )
    services.monthly_sheet_agree(sheet=sheet, actor=org.rm, agreed={visits.pk: 120}, comment="")
    url = reverse("planning:month_targets", kwargs={"user_id": org.am.pk, "month": NOVEMBER})
    client = client_for(org.rm)
    english = _history(client, "en", url)
    assert "Agreed monthly goal sheet 2026-11" in english and "每月目标设定表" not in english
    assert "2026-11 每月目标设定表已确认" in _history(client, "zh-hans", url)


def test_a_breakdown_saved_in_english_reads_in_chinese_for_a_chinese_reader(org, client_for):
    rules = BranchRules()
    values = periods.propose(2026, 1200, lambda k, s: rules.count(s, periods.period_end(k, s)))
    with translation.override("en"):  # the RM reads Footwork in English
        services.breakdown_save(
            actor=org.rm, metric=metric("visits"), year=2026, values=values, reason="", user=org.am
        )
    url = reverse("planning:month_targets", kwargs={"user_id": org.am.pk, "month": NOVEMBER})
    client = client_for(org.rm)
    assert "年度目标分解" in _history(client, "zh-hans", url)
    assert "Breakdown of the annual target" in _history(client, "en", url)


def test_a_typed_reason_reads_as_typed(org, client_for):
    kwargs = dict(user=org.am, metric_id=metric("visits").pk, kind="month", start=NOVEMBER)
    services.target_set(actor=org.rm, value=100, reason="", **kwargs)
    services.target_set(actor=org.rm, value=80, reason="Market changed 市场变化", **kwargs)
    url = reverse("planning:month_targets", kwargs={"user_id": org.am.pk, "month": NOVEMBER})
    client = client_for(org.rm)
    assert "Market changed 市场变化" in _history(client, "en", url)
    assert "Market changed 市场变化" in _history(client, "zh-hans", url)


def test_the_admins_target_page_shows_the_reason_in_the_readers_language(org, admin_client):
    visits = metric("visits")
    sheet = services.monthly_sheet_save(
        author=org.am, month=NOVEMBER, proposed={visits.pk: 100}, focus_items="", submit=True
    )
    services.monthly_sheet_agree(sheet=sheet, actor=org.rm, agreed={visits.pk: 120}, comment="")
    target = Target.objects.get(user=org.am, metric=visits)
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = admin_client.get(reverse("admin:planning_target_change", args=[target.pk])).content
    assert "Agreed monthly goal sheet 2026-11" in html.decode()


def test_the_history_heads_its_values_old_and_new_value(org, client_for):
    """Its Chinese read 原值 → 新增 ("added"), the word of the staff import's new rows."""
    kwargs = dict(user=org.am, metric_id=metric("visits").pk, kind="month", start=NOVEMBER)
    services.target_set(actor=org.rm, value=100, reason="", **kwargs)
    url = reverse("planning:month_targets", kwargs={"user_id": org.am.pk, "month": NOVEMBER})
    client = client_for(org.rm)
    assert "原值 → 新值" in _history(client, "zh-hans", url)
    assert "Old → New" in _history(client, "en", url)
