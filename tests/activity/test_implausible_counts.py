"""A count far above the AM's usual, or above the metric's ceiling, is asked about when
the log is handed in: the page comes back with what was typed and a box to tick. Never
refused, never lost.

QA: 拜访 typed as 1000 (for 10) went into the region's totals unremarked.
"""

import datetime

from activity.models import DailyLog, LogStatus, Metric, MetricValue
from tests import factories as f
from tests.activity.test_log_views import edit_url, form_data


def history(org, today, **counts):
    """Six handed-in logs of the AM on the days before `today`, with these counts."""
    metrics = {m.code: m for m in Metric.objects.all()}
    for back in range(1, 7):
        log = f.DailyLogFactory(
            author=org.am,
            region=org.region,
            date=today - datetime.timedelta(days=back),
            status=LogStatus.SIGNED_OFF if back > 1 else LogStatus.SUBMITTED,
            signed_off_by=org.rm if back > 1 else None,
        )
        for code, value in counts.items():
            MetricValue.objects.create(log=log, metric=metrics[code], value=value)


def submit(client, today, counts, **extra):
    return client.post(edit_url(today), form_data(counts, action="submit", **extra))


def todays_log(org, today):
    return DailyLog.objects.filter(author=org.am, date=today).first()


def test_a_count_above_the_ceiling_is_asked_about_and_kept(client_for, org, today):
    client = client_for(org.am)
    response = submit(client, today, {"visits": 1000, "leaflets": 30})
    assert response.status_code == 200
    assert todays_log(org, today) is None  # nothing handed in yet
    html = response.content.decode()
    assert "一天 1000 偏多（超过 40）" in html
    assert 'name="count_visits" value="1000"' in html.replace(' inputmode="numeric"', "")
    assert 'name="confirm_counts" value="visits=1000"' in html
    assert "数量无误" in html

    response = submit(client, today, {"visits": 1000, "leaflets": 30}, confirm_counts="visits=1000")
    assert response.status_code == 302
    log = todays_log(org, today)
    assert log.status == LogStatus.SUBMITTED
    assert log.values.get(metric__code="visits").value == 1000


def test_a_count_changed_after_ticking_is_asked_about_again(client_for, org, today):
    response = submit(client_for(org.am), today, {"visits": 2000}, confirm_counts="visits=1000")
    assert response.status_code == 200
    assert 'value="visits=2000"' in response.content.decode()
    assert todays_log(org, today) is None


def test_far_above_her_usual_is_asked_about_below_the_ceiling(client_for, org, today):
    history(org, today, visits=8, phone_numbers=3)
    client = client_for(org.am)
    # 3 × 8 = 24 and 8 + 20 = 28: 28 visits is her good day, 29 is asked about;
    # phone numbers: 3 → up to 23.
    response = submit(client, today, {"visits": 29, "phone_numbers": 24})
    assert response.status_code == 200
    html = response.content.decode()
    assert "29 远高于您平时的数量：最近 6 份日志中最多 8" in html
    assert 'value="visits=29,phone_numbers=24"' in html
    response = submit(client, today, {"visits": 28, "phone_numbers": 23})
    assert response.status_code == 302


def test_a_figure_she_reached_before_is_not_asked_about(client_for, org, today):
    """A street event's 600 leaflets is above the ceiling (500), and hers."""
    history(org, today, leaflets=600)
    response = submit(client_for(org.am), today, {"leaflets": 550})
    assert response.status_code == 302


def test_a_draft_keeps_any_count_without_asking(client_for, org, today):
    response = client_for(org.am).post(edit_url(today), form_data({"visits": 1000}))
    assert response.status_code == 302
    log = todays_log(org, today)
    assert log.status == LogStatus.DRAFT
    assert log.values.get(metric__code="visits").value == 1000


def test_a_metric_without_a_ceiling_asks_nothing_of_a_newcomer(client_for, org, today):
    Metric.objects.filter(code="visits").update(daily_ceiling=None)
    assert submit(client_for(org.am), today, {"visits": 1000}).status_code == 302


def test_a_metric_new_to_her_logs_is_not_measured_against_a_usual_she_never_had(
    client_for, org, today
):
    """Metrics QA: 转介绍 added on Wednesday; the AM's first 25 referrals were asked about
    as "far above your usual: at most 0 in your last 6 logs", logs that had no 转介绍
    box. Its own ceiling still applies."""
    history(org, today, visits=8)
    referrals = Metric.objects.create(code="referrals", name="转介绍", order=99)
    response = submit(client_for(org.am), today, {"visits": 8, "referrals": 25})
    assert response.status_code == 302
    assert todays_log(org, today).values.get(metric=referrals).value == 25

    DailyLog.objects.filter(date=today).delete()
    referrals.daily_ceiling = 20
    referrals.save()
    response = submit(client_for(org.am), today, {"visits": 8, "referrals": 25})
    assert response.status_code == 200
    html = response.content.decode()
    assert "一天 25 偏多（超过 20）" in html
    assert "远高于您平时" not in html


def test_a_log_with_nothing_on_it_is_asked_about_once_and_kept(client_for, org, today):
    """QA: a log with every count 0 and no visit handed in unremarked. A day of training
    is possible, 提交 tapped on the wrong day's log more likely: asked, never refused."""
    client = client_for(org.am)
    response = submit(client, today, {}, remarks="全天参加公司培训")
    assert response.status_code == 200
    assert todays_log(org, today) is None
    html = response.content.decode()
    question = html.split('data-testid="confirm-counts"')[1].split("</label>")[0]
    assert "各项数量都是 0，也没有拜访记录" in question
    assert 'name="confirm_counts" value="nothing"' in question
    assert "这天确实没有活动量" in question and " checked" not in question
    assert "全天参加公司培训" in html  # what was typed comes back

    response = submit(client, today, {}, remarks="全天参加公司培训", confirm_counts="nothing")
    assert response.status_code == 302
    log = todays_log(org, today)
    assert log.status == LogStatus.SUBMITTED and log.remarks == "全天参加公司培训"


def test_a_box_ticked_for_nothing_does_not_pass_counts_that_look_too_high(client_for, org, today):
    response = submit(client_for(org.am), today, {"visits": 1000}, confirm_counts="nothing")
    assert response.status_code == 200
    assert todays_log(org, today) is None


def test_one_count_or_one_visit_is_something_to_hand_in(client_for, org, today):
    client = client_for(org.am)
    assert submit(client, today, {"callbacks": 1}).status_code == 302
    DailyLog.objects.filter(date=today).delete()
    data = form_data({"visits": 1}, [{"customer": "恒通物流"}], action="submit")
    assert client.post(edit_url(today), data).status_code == 302


def test_a_draft_with_nothing_on_it_is_saved_without_asking(client_for, org, today):
    response = client_for(org.am).post(edit_url(today), form_data({}))
    assert response.status_code == 302
    assert todays_log(org, today).status == LogStatus.DRAFT
