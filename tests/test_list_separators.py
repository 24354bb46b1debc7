"""Names and customers listed in a sentence are joined the reader's way: 、 in Chinese,
a comma in English. QA: the English plan page read "林海燕、肖梦琪 have not handed in"
and the region plan "No target yet for 冯嘉豪 (1008)、韩欣怡 (1013)"."""

import datetime

import pytest
import time_machine
from django.conf import settings
from django.contrib.messages import get_messages
from django.urls import reverse

from activity.models import DailyLog, LogStatus, Metric
from planning.models import PlannedVisit, Target, WeeklyReview
from tests import factories as f
from tests.accounts.test_user_admin import change_form_data

D = datetime.date
# Monday 23 November 2026, 09:00 in Shanghai: last week's reviews were due on Saturday.
MONDAY = datetime.datetime(2026, 11, 23, 1, 0, tzinfo=datetime.UTC)


@pytest.fixture
def monday():
    with time_machine.travel(MONDAY, tick=False):
        yield


def _in(client, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _not_handed_in(html: str) -> str:
    return html.split('data-testid="without-review"')[1].split("</li>")[0]


@pytest.mark.usefixtures("monday")
@pytest.mark.parametrize(("language", "separator"), [("en", ", "), ("zh-hans", "、")])
def test_the_plan_page_lists_who_has_not_handed_in_the_readers_way(
    org, client_for, language, separator
):
    html = _in(client_for(org.rm), language).get(reverse("planning:index")).content.decode()
    names = _not_handed_in(html)
    assert f"张三</a>{separator}<a" in names or f"李四</a>{separator}<a" in names
    assert ("、" in names) == (language == "zh-hans")


@pytest.mark.usefixtures("monday")
@pytest.mark.parametrize(("language", "separator"), [("en", ", "), ("zh-hans", "、")])
def test_a_reviews_planned_customers_are_listed_the_readers_way(
    org, client_for, language, separator
):
    review = WeeklyReview.objects.create(
        author=org.am,
        region=org.region,
        week_start=D(2026, 11, 16),
        status="submitted",
        planned_visit_count=2,
    )
    PlannedVisit.objects.create(review=review, customer="恒通物流")
    PlannedVisit.objects.create(review=review, customer="城西驾校")
    url = reverse("planning:weekly_detail", kwargs={"pk": review.pk})
    html = _in(client_for(org.rm), language).get(url).content.decode()
    assert f"恒通物流{separator}城西驾校" in html


@pytest.mark.usefixtures("monday")
@pytest.mark.parametrize(("language", "separator"), [("en", ", "), ("zh-hans", "、")])
def test_the_region_plan_lists_ams_without_a_target_the_readers_way(
    org, client_for, language, separator
):
    Target.objects.create(
        user=f.member(org.region, name="王二"),
        metric=Metric.objects.get(code="visits"),
        period_kind="month",
        period_start=D(2026, 11, 1),
        value=100,
        updated_by=org.rm,
    )
    url = reverse("planning:region", kwargs={"region_id": org.region.pk}) + "?start=2026-11-01"
    html = _in(client_for(org.rm), language).get(url).content.decode()
    names = html.split('data-testid="members-without-target"')[1].split("</div>")[0]
    assert "张三" in names and "李四" in names
    assert names.count(f"){separator}") >= 1 and ("、" in names) == (language == "zh-hans")


@pytest.mark.usefixtures("monday")
@pytest.mark.parametrize(("language", "separator"), [("en", ", "), ("zh-hans", "、")])
def test_logs_left_out_of_a_bulk_sign_off_are_named_the_readers_way(
    org, client_for, language, separator
):
    day = D(2026, 11, 20)
    logs = [
        f.DailyLogFactory(author=author, region=org.region, date=day, needs_joint_visit=True)
        for author in (org.am, org.peer_am)
    ]
    client = _in(client_for(org.rm), language)
    response = client.post(reverse("activity:bulk_sign_off"), {"logs": [log.pk for log in logs]})
    said = " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert f"张三 11-20{separator}李四 11-20" in said
    assert not DailyLog.objects.filter(status=LogStatus.SIGNED_OFF).exists()


@pytest.mark.parametrize(("language", "separator"), [("en", ", "), ("zh-hans", "、")])
def test_the_admin_names_the_posts_a_role_change_gives_up_the_readers_way(
    org, admin_client, language, separator
):
    f.RegionFactory(branch=org.branch, area=org.area, manager=org.rm, name="北")
    url = reverse("admin:accounts_user_change", args=[org.rm.pk])
    client = _in(admin_client, language)
    data = change_form_data(client.get(url))
    data["role"] = "am"
    response = client.post(url, data, follow=True)
    said = " ".join(str(m) for m in response.context["messages"])
    assert f"东{separator}" in said and "北" in said, said
