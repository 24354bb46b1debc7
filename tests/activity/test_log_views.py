import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activity.models import DailyLog, LogStatus, Metric, MetricValue
from config.limits import FREE_TEXT_MAX_LENGTH
from tests import factories as f


def form_data(counts=None, visits=(), action="save", **fields):
    metrics = {m.code: m for m in Metric.objects.all()}
    data = {f"count_{code}": str(value) for code, value in (counts or {}).items()}
    data.update({"visits-TOTAL_FORMS": str(len(visits)), "visits-INITIAL_FORMS": "0"})
    for i, visit in enumerate(visits):
        data.update({f"visits-{i}-{k}": v for k, v in visit.items()})
    data.update(fields)
    data[action] = "1"
    assert metrics  # seeded by migration
    return data


def edit_url(day):
    return reverse("activity:log_edit", kwargs={"day": day})


def test_today_redirects_to_todays_log(client_for, org, today):
    response = client_for(org.am).get(reverse("activity:today"))
    assert response.url == edit_url(today)


def test_form_shows_a_numeric_field_per_active_metric(client_for, org, today):
    Metric.objects.filter(code="closings").update(is_active=False)
    html = client_for(org.am).get(edit_url(today)).content.decode()
    assert 'name="count_visits"' in html and 'inputmode="numeric"' in html
    assert 'name="count_closings"' not in html


def test_visit_template_lists_a_prospect_added_after_the_page_was_cached(client_for, org, today):
    client = client_for(org.am)
    f.ProspectFactory(owner=org.am, name="华夏物流")
    first = client.get(edit_url(today)).content.decode()
    f.ProspectFactory(owner=org.am, name="城东汽修厂")
    f.ProspectFactory(owner=org.peer_am, name="别人的客户")
    html = client.get(edit_url(today)).content.decode()
    template = html.split('<template id="visit-template">')[1].split("</template>")[0]
    assert "华夏物流" in first and "城东汽修厂" not in first
    assert "华夏物流" in template and "城东汽修厂" in template
    assert "别人的客户" not in html
    # Nothing chosen reads "—", like the log's other lists.
    assert '<select name="visits-0-prospect"' in html
    assert '<option value="" selected>—</option>' in html.split('name="visits-0-prospect"')[1]
    assert "---------" not in html


def test_save_draft_then_submit(client_for, org, today):
    client = client_for(org.am)
    response = client.post(
        edit_url(today),
        form_data({"visits": 4, "leaflets": 20}, [{"customer": "恒通物流", "needs": "统保"}]),
    )
    assert response.status_code == 302
    log = DailyLog.objects.get()
    assert log.status == LogStatus.DRAFT
    response = client.post(
        edit_url(today), form_data({"visits": 5}, [{"customer": "恒通物流"}], action="submit")
    )
    log.refresh_from_db()
    assert response.url == reverse("activity:log_detail", kwargs={"pk": log.pk})
    assert log.status == LogStatus.SUBMITTED
    assert log.values.get(metric__code="visits").value == 5


def test_saving_again_keeps_an_unchanged_visit(client_for, org, today):
    """The page sends saved visits back as unchanged initial forms: they must survive."""
    client = client_for(org.am)
    visit = {"customer": "恒通物流", "needs": "统保"}
    client.post(edit_url(today), form_data({"visits": 1}, [visit]))
    data = form_data({"visits": 2}, [visit, {"customer": ""}])  # + the blank extra card
    data["visits-INITIAL_FORMS"] = "1"
    response = client.post(edit_url(today), data)
    assert response.status_code == 302
    log = DailyLog.objects.get()
    assert [v.customer for v in log.visits.all()] == ["恒通物流"]
    assert log.values.get(metric__code="visits").value == 2


def test_a_visit_typed_on_a_page_opened_before_it_was_saved_elsewhere_is_kept(
    client_for, org, today
):
    """Two phones open the empty log; both add the same visit and save. The second post
    carries it as a new form, identical to what is now stored: it must not vanish."""
    client = client_for(org.am)
    visit = {"customer": "恒通物流", "needs": "统保"}
    client.post(edit_url(today), form_data({"visits": 1}, [visit]))
    client.post(edit_url(today), form_data({"visits": 1}, [visit]))
    assert list(DailyLog.objects.get().visits.values_list("customer", flat=True)) == ["恒通物流"]


def test_invalid_input_rerenders_with_errors_and_keeps_what_was_typed(client_for, org, today):
    data = form_data(
        {"visits": -2, "leaflets": 30},
        [{"customer": "", "needs": "想比价商业险"}],
        remarks="今天跑了城西",
        action="submit",
    )
    response = client_for(org.am).post(edit_url(today), data)
    assert response.status_code == 200
    assert not DailyLog.objects.exists()
    form, formset = response.context["form"], response.context["formset"]
    assert "count_visits" in form.errors
    assert "customer" in formset.forms[0].errors
    html = response.content.decode()
    assert 'value="30"' in html and "今天跑了城西" in html and "想比价商业险" in html


def test_a_refused_log_says_so_at_the_top_even_when_only_a_visit_is_wrong(client_for, org, today):
    """The page came back at its top looking as before: the only error was on the third
    visit, screens further down, and the AM thought the log had gone in."""
    data = form_data({"visits": 3}, [{"customer": "", "needs": "想比价商业险"}], action="submit")
    html = client_for(org.am).post(edit_url(today), data).content.decode()
    alert = html.index('data-testid="form-errors"')
    assert "尚未保存" in html[alert : alert + 200]
    assert alert < html.index('id="id_count_visits"')
    assert (
        'data-testid="form-errors"' not in client_for(org.am).get(edit_url(today)).content.decode()
    )


def test_an_overlong_paste_is_a_field_error_and_the_rest_is_kept(client_for, org, today):
    pasted = "长" * (FREE_TEXT_MAX_LENGTH + 1)
    data = form_data(
        {"leaflets": 30},
        [{"customer": "城东汽修厂", "needs": pasted, "result": "约了下周再谈"}],
        remarks=pasted,
    )
    response = client_for(org.am).post(edit_url(today), data)
    assert response.status_code == 200
    assert not DailyLog.objects.exists()
    form, formset = response.context["form"], response.context["formset"]
    assert list(form.errors) == ["remarks"]
    assert list(formset.forms[0].errors) == ["needs"]
    html = response.content.decode()
    assert 'value="30"' in html and "城东汽修厂" in html and "约了下周再谈" in html


def test_line_breaks_count_once_as_the_browser_counts_them(client_for, org, today):
    """QA: 2000 characters typed with line breaks were refused as 2009: a form posts each
    line break as \r\n, while the browser's maxlength counted it as one."""
    typed = "\n".join(["今天拜访了三家汽修厂"] * 200)[:FREE_TEXT_MAX_LENGTH]
    assert len(typed) == FREE_TEXT_MAX_LENGTH and typed.count("\n") > 100
    posted = typed.replace("\n", "\r\n")
    response = client_for(org.am).post(
        edit_url(today), form_data(remarks=posted, support_notes="一\r二\r\n三")
    )
    assert response.status_code == 302
    log = DailyLog.objects.get(author=org.am)
    assert log.remarks == typed and log.support_notes == "一\n二\n三"


def test_free_text_boxes_stop_typing_at_the_limit(client_for, org, today):
    html = client_for(org.am).get(edit_url(today)).content.decode()
    # remarks, two log notes, the visit's needs and result (and the visit template's)
    assert html.count(f'maxlength="{FREE_TEXT_MAX_LENGTH}"') == 3 + 2 * 2
    assert html.count("<textarea") == 3 + 2 * 2


def test_future_day_is_refused_with_a_message(client_for, org, today):
    response = client_for(org.am).get(edit_url(today + datetime.timedelta(days=1)), follow=True)
    assert response.redirect_chain[-1][0] == edit_url(today)
    assert "不能填写未来日期的日志" in response.content.decode()


def test_submitted_log_edit_page_goes_to_the_read_only_page(client_for, org, today):
    log = f.DailyLogFactory(
        author=org.am, region=org.region, date=today, status=LogStatus.SUBMITTED
    )
    client = client_for(org.am)
    assert client.get(edit_url(today)).url == reverse("activity:log_detail", kwargs={"pk": log.pk})
    # A post (from a page opened before it was submitted) is shown back, not saved.
    response = client.post(edit_url(today), form_data({"visits": 99}))
    assert response.status_code == 200 and 'value="99"' in response.content.decode()
    assert not log.values.exists()


def test_detail_shows_comment_and_audit_trail(client_for, org, today):
    from activity import services

    log = f.DailyLogFactory(author=org.am, region=org.region, date=today)
    services.daily_log_sign_off(log=log, actor=org.rm, comment="继续保持")
    html = (
        client_for(org.am)
        .get(reverse("activity:log_detail", kwargs={"pk": log.pk}))
        .content.decode()
    )
    assert "继续保持" in html
    assert 'data-testid="audit-trail"' in html and org.rm.name in html
    # Every line names who did it, the first (the author starting the log) too.
    assert f"· {org.am.name} · 创建" in html


def test_phone_numbers_only_for_owner_and_line_managers(client_for, org, today):
    prospect = f.ProspectFactory(owner=org.am, phone="13912345678")
    log = f.DailyLogFactory(author=org.am, region=org.region, date=today)
    f.VisitRecordFactory(log=log, prospect=prospect, customer=prospect.name)
    url = reverse("activity:log_detail", kwargs={"pk": log.pk})
    for user, visible in (
        (org.am, True),
        (org.rm, True),
        (org.branch_head, True),
        (org.admin, False),
    ):
        html = client_for(user).get(url).content.decode()
        assert ("13912345678" in html) is visible, user


def test_a_moved_ams_phones_leave_the_rm_she_left(client_for, org, today):
    """Her prospects went with her: the RM she left still reads her old logs, without
    their customers' phone numbers. While she works nowhere (a leaver), they stay."""
    prospect = f.ProspectFactory(owner=org.am, phone="13912345678")
    old_day = today - datetime.timedelta(days=20)
    log = f.DailyLogFactory(author=org.am, region=org.region, date=old_day)
    f.VisitRecordFactory(log=log, prospect=prospect, customer=prospect.name)
    url = reverse("activity:log_detail", kwargs={"pk": log.pk})
    org.am.memberships.update(end_date=today - datetime.timedelta(days=3))
    f.MembershipFactory(
        user=org.am, region=org.other_region, start_date=today - datetime.timedelta(days=2)
    )
    page = client_for(org.rm).get(url)
    assert page.status_code == 200
    assert "13912345678" not in page.content.decode()
    # The area manager manages both regions.
    assert "13912345678" in client_for(org.area_manager).get(url).content.decode()

    org.am.memberships.filter(region=org.other_region).delete()
    assert "13912345678" in client_for(org.rm).get(url).content.decode()


def test_sign_off_and_return_go_on_to_the_next_waiting_log_then_the_queue(client_for, org, today):
    yesterday = today - datetime.timedelta(days=1)
    first = f.DailyLogFactory(author=org.peer_am, region=org.region, date=yesterday)
    second = f.DailyLogFactory(author=org.am, region=org.region, date=today)
    third = f.DailyLogFactory(author=org.peer_am, region=org.region, date=today)
    client = client_for(org.rm)
    response = client.post(
        reverse("activity:log_sign_off", kwargs={"pk": first.pk}), {"comment": "好"}, follow=True
    )
    # The oldest waiting log comes next, as in the queue, and the page says how many are left.
    assert response.redirect_chain[-1][0] == reverse(
        "activity:log_detail", kwargs={"pk": second.pk}
    )
    assert "日志已签批。下面是下一份待签批日志（还剩 2 份）。" in response.content.decode()
    first.refresh_from_db()
    assert first.status == LogStatus.SIGNED_OFF and first.manager_comment == "好"
    response = client.post(
        reverse("activity:log_return", kwargs={"pk": second.pk}), {"reason": "拜访记录不全"}
    )
    assert response.url == reverse("activity:log_detail", kwargs={"pk": third.pk})
    response = client.post(reverse("activity:log_sign_off", kwargs={"pk": third.pk}), follow=True)
    assert response.redirect_chain[-1][0] == reverse("activity:queue")
    assert "没有其他待您签批的日志" in response.content.decode()


def test_second_sign_off_click_says_it_was_already_done(client_for, org, today):
    log = f.DailyLogFactory(author=org.am, region=org.region, date=today)
    client = client_for(org.rm)
    url = reverse("activity:log_sign_off", kwargs={"pk": log.pk})
    client.post(url, {"comment": "一"})
    response = client.post(url, {"comment": "二"}, follow=True)
    assert "已是“已签批”状态" in response.content.decode()
    log.refresh_from_db()
    assert log.manager_comment == "一" and log.events.count() == 1


def test_a_two_line_comment_sent_twice_is_not_said_to_be_lost(client_for, org, today):
    """A double tap on 签批 with a 批示 of two lines: the second post was shown the
    comment as "not saved" (posted with \r\n, held with \n), though the first saved it."""
    log = f.DailyLogFactory(author=org.am, region=org.region, date=today)
    client = client_for(org.rm)
    url = reverse("activity:log_sign_off", kwargs={"pk": log.pk})
    client.post(url, {"comment": "拜访量不错\r\n继续跟进恒通物流"})
    response = client.post(url, {"comment": "拜访量不错\r\n继续跟进恒通物流"})
    assert response.status_code == 302
    log.refresh_from_db()
    assert log.manager_comment == "拜访量不错\n继续跟进恒通物流" and log.events.count() == 1


def test_a_reason_box_holding_only_a_pasted_invisible_character_is_empty(client_for, org, today):
    log = f.DailyLogFactory(author=org.am, region=org.region, date=today)
    url = reverse("activity:log_sign_off", kwargs={"pk": log.pk})
    response = client_for(org.rm).post(url, {"comment": "好", "reason": "\u200b"})
    assert response.status_code == 302
    log.refresh_from_db()
    assert log.status == LogStatus.SIGNED_OFF


def test_return_without_reason_changes_nothing(client_for, org, today):
    log = f.DailyLogFactory(author=org.am, region=org.region, date=today)
    client_for(org.rm).post(reverse("activity:log_return", kwargs={"pk": log.pk}), {"reason": ""})
    log.refresh_from_db()
    assert log.status == LogStatus.SUBMITTED


def test_a_return_without_reason_keeps_what_was_typed_in_both_boxes(client_for, org, today):
    """QA: the 批示 typed in the sign-off box was lost when 退回更正 was refused."""
    log = f.DailyLogFactory(author=org.am, region=org.region, date=today)
    client = client_for(org.rm)
    page = client.get(reverse("activity:log_detail", args=[log.pk])).content.decode()
    # One form, both boxes: the return button posts the comment too.
    form = page.split('data-testid="sign-off-form"')[1].split("</form>")[0]
    assert 'name="comment"' in form and 'name="reason"' in form
    assert f'formaction="{reverse("activity:log_return", args=[log.pk])}"' in form
    response = client.post(
        reverse("activity:log_return", args=[log.pk]),
        {"comment": "拜访量不错，继续跟进恒通物流", "reason": "  "},
    )
    assert response.status_code == 200
    assert response.context["reason_form"].errors["reason"] == ["请填写原因。"]
    assert not response.context["comment_form"].errors
    html = response.content.decode()
    assert "拜访量不错，继续跟进恒通物流" in html and "请填写原因。" in html
    log.refresh_from_db()
    assert log.status == LogStatus.SUBMITTED and not log.events.exists()


def test_a_refused_sign_off_comment_keeps_the_reason_typed_beside_it(client_for, org, today):
    log = f.DailyLogFactory(author=org.am, region=org.region, date=today)
    response = client_for(org.rm).post(
        reverse("activity:log_sign_off", args=[log.pk]),
        {"comment": "好" * (FREE_TEXT_MAX_LENGTH + 1), "reason": "先写了一半的退回原因"},
    )
    assert response.status_code == 200 and "comment" in response.context["comment_form"].errors
    assert "先写了一半的退回原因" in response.content.decode()
    assert DailyLog.objects.get(pk=log.pk).status == LogStatus.SUBMITTED


def test_bulk_sign_off_signs_only_the_ticked_logs(client_for, org, today):
    logs = [
        f.DailyLogFactory(author=u, region=org.region, date=today) for u in (org.am, org.peer_am)
    ]
    foreign = f.DailyLogFactory(author=org.foreign_am, region=org.foreign_region, date=today)
    client = client_for(org.rm)
    response = client.post(
        reverse("activity:bulk_sign_off"), {"logs": [logs[0].pk], "comment": "好"}
    )
    assert response.status_code == 302
    statuses = {log.pk: log.status for log in DailyLog.objects.all()}
    assert statuses == {logs[0].pk: "signed_off", logs[1].pk: "submitted", foreign.pk: "submitted"}
    # A foreign log id is not in this manager's queue: refused, nothing signed.
    response = client.post(
        reverse("activity:bulk_sign_off"), {"logs": [logs[1].pk, foreign.pk]}, follow=True
    )
    assert DailyLog.objects.get(pk=foreign.pk).status == "submitted"
    assert DailyLog.objects.get(pk=logs[1].pk).status == "submitted"
    shown = [(m.level_tag, str(m)) for m in response.context["messages"]]
    assert shown[0] == ("success", "已签批 1 份日志。")  # the first post's
    assert [level for level, _text in shown[1:]] == ["error"]


def test_bulk_sign_off_leaves_the_logs_that_ask_for_help_to_be_opened(client_for, org, today):
    """QA: 全选 + 签批所选 signed 16 logs asking for a joint visit or support, unread."""
    plain = f.DailyLogFactory(author=org.peer_am, region=org.region, date=today)
    asking = f.DailyLogFactory(
        author=org.am, region=org.region, date=today, support_notes="需要折页 200 份"
    )
    response = client_for(org.rm).post(
        reverse("activity:bulk_sign_off"),
        {"logs": [plain.pk, asking.pk], "comment": "好"},  # a hand-made post, or an old page
        follow=True,
    )
    statuses = dict(DailyLog.objects.values_list("pk", "status"))
    assert statuses == {plain.pk: LogStatus.SIGNED_OFF, asking.pk: LogStatus.SUBMITTED}
    assert not asking.events.exists()
    shown = [(m.level_tag, str(m)) for m in response.context["messages"]]
    assert shown[0] == ("success", "已签批 1 份日志。")
    # The one left is named as the queue lists it, to be found and opened there.
    assert shown[1][0] == "warning" and f"张三 {today:%m-%d}" in shown[1][1]
    assert len(shown) == 2


def test_bulk_sign_off_signs_the_rest_when_one_was_handled_on_another_page(client_for, org, today):
    """QA: one ticked log signed meanwhile in another tab refused the whole batch."""
    logs = [
        f.DailyLogFactory(author=u, region=org.region, date=today) for u in (org.am, org.peer_am)
    ]
    client = client_for(org.rm)
    client.post(
        reverse("activity:log_sign_off", args=[logs[0].pk]), {"comment": "单独批示"}, follow=True
    )
    response = client.post(
        reverse("activity:bulk_sign_off"),
        {"logs": [log.pk for log in logs], "comment": "统一"},
        follow=True,
    )
    assert list(DailyLog.objects.order_by("pk").values_list("status", "manager_comment")) == [
        (LogStatus.SIGNED_OFF, "单独批示"),  # left as it was
        (LogStatus.SIGNED_OFF, "统一"),
    ]
    shown = [(m.level_tag, str(m)) for m in response.context["messages"]]
    assert shown[0] == ("success", "已签批 1 份日志。")
    assert shown[1][0] == "info" and f"张三 {today:%m-%d}" in shown[1][1]
    assert len(shown) == 2


def test_a_refused_bulk_comment_says_why(client_for, org, today):
    log = f.DailyLogFactory(author=org.am, region=org.region, date=today)
    response = client_for(org.rm).post(
        reverse("activity:bulk_sign_off"),
        {"logs": [log.pk], "comment": "好" * (FREE_TEXT_MAX_LENGTH + 1)},
        follow=True,
    )
    assert DailyLog.objects.get(pk=log.pk).status == "submitted"
    shown = [str(m) for m in response.context["messages"]]
    assert len(shown) == 1 and "统一批示" in shown[0] and "2000" in shown[0]


def test_queue_lists_submitted_logs_of_own_region_oldest_first(client_for, org, today):
    newer = f.DailyLogFactory(author=org.am, region=org.region, date=today)
    older = f.DailyLogFactory(
        author=org.peer_am, region=org.region, date=today - datetime.timedelta(days=2)
    )
    f.DailyLogFactory(author=org.outsider_am, region=org.other_region, date=today)
    f.DailyLogFactory(
        author=org.am,
        region=org.region,
        date=today - datetime.timedelta(days=1),
        status=LogStatus.DRAFT,
    )
    response = client_for(org.rm).get(reverse("activity:queue"))
    assert [log.pk for log in response.context["logs"]] == [older.pk, newer.pk]
    assert 'data-testid="asks-for-help"' not in response.content.decode()


def test_queue_marks_a_log_that_asks_the_rm_for_help(client_for, org, today):
    """QA: a log asking for a joint visit looked like every other row, and a bulk
    sign-off passed over the request."""
    asking = f.DailyLogFactory(author=org.am, region=org.region, date=today, needs_joint_visit=True)
    f.DailyLogFactory(author=org.peer_am, region=org.region, date=today)
    html = client_for(org.rm).get(reverse("activity:queue")).content.decode()
    rows = html.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]
    marked = [row for row in rows if 'data-testid="asks-for-help"' in row]
    assert len(marked) == 1 and reverse("activity:log_detail", args=[asking.pk]) in marked[0]
    # Not bulk-signed: no tick to post (a disabled box says why), so "select all" skips it.
    assert 'name="logs"' not in marked[0] and "disabled" in marked[0]
    assert html.count('name="logs"') == 1


def test_queue_shows_the_oldest_page_and_counts_the_rest(client_for, org, today, monkeypatch):
    from activity import views

    monkeypatch.setattr(views, "QUEUE_PAGE_SIZE", 2)
    logs = [
        f.DailyLogFactory(author=org.am, region=org.region, date=today - datetime.timedelta(days=i))
        for i in range(3)
    ]
    value = f.MetricValueFactory(log=logs[2])
    response = client_for(org.rm).get(reverse("activity:queue"))
    assert [log.pk for log in response.context["logs"]] == [logs[2].pk, logs[1].pk]
    assert response.context["waiting"] == 3
    # One cell per active metric, in the header's order.
    metrics = list(response.context["metrics"])
    counts = response.context["logs"][0].metric_counts
    assert [metric for metric, _count in counts] == metrics
    assert counts[metrics.index(value.metric)][1] == value.value
    assert b'data-testid="queue-more"' in response.content


def test_week_grid_marks_missing_days_and_statuses(client_for, org):
    monday = datetime.date(2026, 11, 16)
    f.DailyLogFactory(
        author=org.am,
        region=org.region,
        date=monday,
        status=LogStatus.SIGNED_OFF,
        signed_off_by=org.rm,
    )
    f.DailyLogFactory(
        author=org.am,
        region=org.region,
        date=monday + datetime.timedelta(days=1),
        status=LogStatus.RETURNED,
    )
    response = client_for(org.rm).get(
        reverse("activity:week_grid", kwargs={"region_id": org.region.pk}) + "?week=2026-11-18"
    )
    rows = {row.member.name: [c["status"] for c in row.cells] for row in response.context["rows"]}
    assert rows["张三"] == ["signed_off", "returned", "missing", "missing", "missing", None, None]
    assert rows["李四"] == ["missing"] * 5 + [None, None]
    assert "王五" not in rows  # another region


@pytest.mark.parametrize(
    ("language", "monday", "sunday"), [("zh-hans", "周一", "周日"), ("en", "Mon", "Sun")]
)
def test_week_grid_heads_days_with_short_weekday_names(client_for, org, language, monday, sunday):
    client = client_for(org.rm)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = client.get(
        reverse("activity:week_grid", kwargs={"region_id": org.region.pk}) + "?week=2026-11-18"
    ).content.decode()
    head = html.split("<thead>")[1].split("</thead>")[0]
    assert f"{monday}<br>" in head and f"{sunday}<br>" in head and "星期" not in head


@pytest.mark.parametrize(
    ("language", "title"), [("zh-hans", "东 · 2026-11-16 周"), ("en", "东 · Week of 2026-11-16")]
)
def test_week_grid_is_titled_with_its_week(client_for, org, language, title):
    """QA: the English title read "东 · 2026-11-16 week", the Chinese word order."""
    client = client_for(org.rm)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = client.get(
        reverse("activity:week_grid", kwargs={"region_id": org.region.pk}) + "?week=2026-11-18"
    ).content.decode()
    assert f'<h1 class="h4 mb-0">{title}</h1>' in html


@pytest.mark.parametrize(
    ("language", "off", "worked"), [("zh-hans", "休", "班"), ("en", "off", "worked")]
)
def test_week_grid_marks_holidays_and_days_worked_in_lieu(client_for, org, language, off, worked):
    """国庆 2026 ends on Wednesday 7 October and Saturday the 10th is worked in lieu (调休):
    the grid asks for Saturday's logs and none on Monday to Wednesday, and its header
    says why, as a wall calendar does. A branch's own override is marked the same way."""
    from planning.models import CalendarOverride

    CalendarOverride.objects.create(
        branch=org.branch, date=datetime.date(2026, 10, 9), is_working_day=False
    )
    client = client_for(org.rm)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(
        reverse("activity:week_grid", kwargs={"region_id": org.region.pk}) + "?week=2026-10-05"
    )
    assert [day.shift for day in response.context["days"]] == [
        *["off"] * 3,  # 国庆: Monday to Wednesday
        "",  # Thursday, an ordinary working day
        "off",  # Friday, the branch's own day off
        "worked",  # Saturday, 调休
        "",  # Sunday, an ordinary day off
    ]
    head = response.content.decode().split("<thead>")[1].split("</thead>")[0]
    assert head.count('data-testid="day-off"') == 4 and head.count('data-testid="day-worked"') == 1
    assert f">{off}</span>" in head and f">{worked}</span>" in head
    rows = {row.member.name: [c["status"] for c in row.cells] for row in response.context["rows"]}
    assert rows["李四"] == [None, None, None, "missing", None, "missing", None]


def test_week_grid_shows_a_mover_only_on_their_days(client_for, org):
    from accounts.services import membership_move

    membership_move(user=org.outsider_am, region=org.region, start_date=datetime.date(2026, 11, 18))
    response = client_for(org.rm).get(
        reverse("activity:week_grid", kwargs={"region_id": org.region.pk}) + "?week=2026-11-16"
    )
    rows = {row.member.name: [c["status"] for c in row.cells] for row in response.context["rows"]}
    assert rows["王五"] == [None, None, "missing", "missing", "missing", None, None]


def test_week_grid_offers_no_week_that_has_not_begun(client_for, org):
    """QA: 下一周 led from this week into an empty future one, and on and on."""
    url = reverse("activity:week_grid", kwargs={"region_id": org.region.pk})
    rm = client_for(org.rm)
    with time_machine.travel(datetime.datetime(2026, 11, 19, 4, tzinfo=datetime.UTC)):
        last_week = rm.get(url + "?week=2026-11-09")
        this_week = rm.get(url + "?week=2026-11-16")
        later = rm.get(url + "?week=2027-03-01")
    assert last_week.context["next_week"] == datetime.date(2026, 11, 16)
    assert b"?week=2026-11-16" in last_week.content
    assert this_week.context["next_week"] is None
    assert b"?week=2026-11-23" not in this_week.content
    # A week ahead typed into the address reads as this week, with its missing logs.
    assert later.status_code == 200 and later.context["start"] == datetime.date(2026, 11, 16)
    rows = {row.member.name: [c["status"] for c in row.cells] for row in later.context["rows"]}
    assert rows["张三"][:4] == ["missing", "missing", "missing", "due"]


def test_history_lists_days_with_status_and_comment(client_for, org, today):
    log = f.DailyLogFactory(
        author=org.am,
        region=org.region,
        date=today,
        status=LogStatus.SIGNED_OFF,
        signed_off_by=org.rm,
        manager_comment="拜访量不错",
    )
    response = client_for(org.am).get(reverse("activity:my_logs"))
    days = response.context["days"]
    assert days[0].day == today and days[0].log == log
    assert "拜访量不错" in response.content.decode()


def test_my_logs_of_a_month_not_begun_reads_as_this_month(client_for, org):
    """As the week grid: a month ahead typed into the address was an empty page."""
    with time_machine.travel(datetime.datetime(2026, 11, 18, 4, tzinfo=datetime.UTC)):
        response = client_for(org.am).get(reverse("activity:my_logs") + "?month=2027-02")
    assert response.context["month"] == datetime.date(2026, 11, 1)
    assert response.context["days"][0].day == datetime.date(2026, 11, 18)
    assert response.context["next_month"] is None


def test_my_logs_names_the_months_its_arrows_lead_to(client_for, org):
    """Sweep: a lone ← beside the month said nothing to a newcomer or a screen reader."""
    import time_machine

    with time_machine.travel(datetime.datetime(2026, 12, 1, 4, tzinfo=datetime.UTC)):
        html = (
            client_for(org.am).get(reverse("activity:my_logs") + "?month=2026-11").content.decode()
        )
    assert '<a class="btn btn-outline-secondary" href="?month=2026-10">← 上个月</a>' in html
    assert '<a class="btn btn-outline-secondary" href="?month=2026-12">下个月 →</a>' in html


def test_the_restored_draft_notice_fits_a_desktop_too(client_for, org):
    """Sweep: at an office PC the English notice spoke of 'this phone'."""
    client = client_for(org.am)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("activity:today"), follow=True).content.decode()
    assert "What you typed earlier on this device was not saved yet" in html


def test_overview_counts_statuses_per_region(client_for, org, today):
    f.DailyLogFactory(author=org.am, region=org.region, date=today, status=LogStatus.SUBMITTED)
    f.DailyLogFactory(
        author=org.peer_am,
        region=org.region,
        date=today,
        status=LogStatus.SIGNED_OFF,
        signed_off_by=org.rm,
    )
    response = client_for(org.branch_head).get(reverse("accounts:home"))
    rows = {row.region.name: row for row in response.context["rows"]}
    assert set(rows) == {"东", "西"}
    east = rows["东"]
    # 张三, 李四 and the deactivated AM are members of 东.
    assert (east.members, east.submitted, east.signed_off, east.not_submitted) == (3, 1, 1, 1)
    west = rows["西"]
    total = response.context["total"]
    assert total["members"] == east.members + west.members
    assert total["missing"] == east.not_submitted + west.not_submitted
    assert (total["submitted"], total["signed_off"]) == (1, 1)
    assert 'data-testid="total-row"' in response.content.decode()


def test_overview_does_not_count_missing_logs_on_a_rest_day(client_for, org):
    from planning.models import CalendarOverride

    url = reverse("accounts:home")
    sunday, friday = datetime.date(2026, 11, 22), datetime.date(2026, 11, 20)
    CalendarOverride.objects.create(branch=org.branch, date=friday, is_working_day=False)
    client = client_for(org.branch_head)
    for day in (sunday, friday):
        response = client.get(url, {"day": day.isoformat()})
        assert {row.working_day for row in response.context["rows"]} == {False}
        assert 'data-testid="rest-day"' in response.content.decode()
        assert response.context["total"]["missing"] == 0  # nobody owes a log
        # The total line says so too: a bare 0 under every region's 休息日 read oddly.
        total_row = response.content.decode().split('data-testid="total-row"')[1]
        assert "休息日" in total_row.split("</tr>")[0]
    response = client.get(url, {"day": "2026-11-23"})  # a Monday
    assert {row.working_day for row in response.context["rows"]} == {True}
    assert 'data-testid="rest-day"' not in response.content.decode()


def test_overview_flags_missing_logs_only_once_the_day_is_over(client_for, org):
    client = client_for(org.branch_head)
    shanghai = ZoneInfo("Asia/Shanghai")
    with time_machine.travel(datetime.datetime(2026, 11, 25, 17, tzinfo=shanghai), tick=False):
        today = client.get(reverse("accounts:home")).content.decode()
        tuesday = client.get(reverse("accounts:home"), {"day": "2026-11-24"}).content.decode()
    flagged = 'text-danger fw-bold" data-testid="not-submitted"'
    assert 'data-testid="not-submitted">3<' in today and flagged not in today  # still due
    assert 'data-testid="not-submitted">3<' in tuesday and flagged in tuesday  # missed


@pytest.mark.parametrize("size", [3, 30])
def test_queue_queries_do_not_grow_with_logs(
    client_for, org, today, size, django_assert_max_num_queries
):
    region = org.region
    for i in range(size):
        am = f.member(region)
        log = f.DailyLogFactory(
            author=am, region=region, date=today - datetime.timedelta(days=i % 5)
        )
        f.MetricValueFactory(log=log)
    client = client_for(org.rm)
    # session + user, manager check, queue, prefetched values, metrics, regions, nav link,
    # the bell's unread count; the region's pace this month (planning.region_pacing: 8,
    # constant in the number of AMs), overdue tracked items and her own due soon (one
    # each); weekly reviews and goal sheets waiting (one each); whose plan pages of the
    # pace card she may open (one); logs of her own returned to her (one: an AM made RM
    # lands here)
    with django_assert_max_num_queries(22):
        response = client.get(reverse("activity:queue"))
    assert len(response.context["logs"]) == size


@pytest.mark.parametrize("size", [3, 30])
def test_week_grid_queries_do_not_grow_with_members(
    client_for, org, size, django_assert_max_num_queries
):
    monday = datetime.date(2026, 11, 16)
    for i in range(size):
        am = f.member(org.region)
        f.DailyLogFactory(
            author=am, region=org.region, date=monday + datetime.timedelta(days=i % 5)
        )
    client = client_for(org.rm)
    # session + user, region, calendar settings + overrides, memberships with users, logs,
    # nav link, the bell
    with django_assert_max_num_queries(8):
        response = client.get(
            reverse("activity:week_grid", kwargs={"region_id": org.region.pk}) + "?week=2026-11-16"
        )
    assert len(response.context["rows"]) == size + 3  # + 张三, 李四, the deactivated AM


@pytest.mark.parametrize("size", [3, 30])
def test_history_queries_do_not_grow_with_logs(
    client_for, org, size, django_assert_max_num_queries
):
    today = datetime.date(2026, 11, 30)
    for i in range(size % 31):
        log = f.DailyLogFactory(
            author=org.am, region=org.region, date=today - datetime.timedelta(days=i)
        )
        f.MetricValueFactory(log=log)
    import time_machine

    client = client_for(org.am)
    with time_machine.travel(datetime.datetime(2026, 11, 30, 12, tzinfo=datetime.UTC)):
        # session + user, membership (for the branch), calendar settings + overrides, logs of
        # the month, their values, metrics, the bell's unread count, anything before the
        # month (for ← 上个月)
        with django_assert_max_num_queries(10):
            response = client.get(reverse("activity:my_logs") + "?month=2026-11")
    assert sum(1 for d in response.context["days"] if d.log) == size % 31


def test_todays_handed_in_log_shows_the_ams_pace(client_for, org, today):
    from planning.models import Target

    log = f.DailyLogFactory(author=org.am, region=org.region, date=today)
    Target.objects.create(
        user=org.am,
        metric=Metric.objects.get(code="visits"),
        period_kind="month",
        period_start=today.replace(day=1),
        value=100,
        updated_by=org.rm,
    )
    response = client_for(org.am).get(reverse("activity:log_detail", kwargs={"pk": log.pk}))
    assert response.context["pacing"] is not None
    assert 'data-testid="pacing-panel"' in response.content.decode()
    # Not on someone else's log, nor on an earlier day's.
    response = client_for(org.rm).get(reverse("activity:log_detail", kwargs={"pk": log.pk}))
    assert "pacing" not in response.context


def test_queue_rows_name_the_day_briefly(client_for, org):
    f.DailyLogFactory(
        author=org.am,
        region=org.region,
        date=datetime.date(2026, 11, 20),
        status=LogStatus.SUBMITTED,
    )
    html = client_for(org.rm).get(reverse("activity:queue")).content.decode()
    # In its column, and under the name on a phone (the tick box has a thumb-sized label
    # of its own: tests/browser/test_phone_layout.py).
    assert html.count("11-20 周五</") == 2 and "星期五" not in html


@time_machine.travel(
    datetime.datetime(2026, 11, 18, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False
)
def test_today_without_a_log_is_due_not_missing(client_for, org):
    # Wednesday morning: Monday and Tuesday are over, today's log comes tonight.
    grid = client_for(org.rm).get(
        reverse("activity:week_grid", kwargs={"region_id": org.region.pk}) + "?week=2026-11-16"
    )
    rows = {row.member.name: [c["status"] for c in row.cells] for row in grid.context["rows"]}
    assert rows["张三"][:4] == ["missing", "missing", "due", None]

    html = client_for(org.am).get(reverse("activity:my_logs")).content.decode()
    # November's working days before the 18th (2–17 November) are missing: 12 of them.
    assert html.count("今日待填") == 1 and html.count("未填") == 12


def test_an_am_in_no_region_is_told_why_there_is_no_log_and_whom_to_ask(client_for, db):
    newcomer = f.UserFactory(name="新人")  # imported, not yet placed in a region
    response = client_for(newcomer).get(reverse("activity:today"), follow=True)
    assert response.status_code == 403
    assert "不属于任何区域" in response.content.decode()
    assert "管理员" in response.content.decode()


@pytest.mark.parametrize(
    ("day", "rest"),
    [
        (datetime.date(2026, 11, 21), True),  # a Saturday
        (datetime.date(2026, 11, 20), False),  # a Friday
        (datetime.date(2026, 10, 1), True),  # National Day, a Thursday
        (datetime.date(2026, 10, 10), False),  # a Saturday worked in lieu (调休)
        # 元旦 of a year chinese-calendar 1.11 does not carry, no holiday entered yet.
        (datetime.date(2027, 1, 1), True),
    ],
)
def test_an_am_opening_footwork_on_a_rest_day_is_told_no_log_is_expected(
    client_for, org, day, rest
):
    morning = datetime.datetime.combine(day, datetime.time(9), tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(morning, tick=False):
        response = client_for(org.am).get(reverse("activity:today"), follow=True)
    assert response.status_code == 200
    assert ("今天是休息日" in response.content.decode()) is rest


def test_a_visits_new_prospect_phone_is_checked(client_for, org, today):
    data = form_data(
        {"visits": 1}, [{"customer": "东城物流", "save_prospect": "on", "prospect_phone": "12345"}]
    )
    response = client_for(org.am).post(edit_url(today), data)
    assert "prospect_phone" in response.context["formset"].forms[0].errors
    assert not DailyLog.objects.exists()


def test_a_refused_prospect_phone_is_not_folded_away(client_for, org, today):
    """Phone QA: a phone typed under "Not on my prospect list yet? Add it" without
    ticking the box was refused, and its message stayed inside the folded section: the
    page said "correct the marked fields" and showed none."""
    data = form_data({"visits": 1}, [{"customer": "东城物流", "prospect_phone": "12345"}])
    html = client_for(org.am).post(edit_url(today), data).content.decode()
    card = html.split('id="id_visits-0-DELETE"')[1].split("</details>")[0]
    assert '<details class="mt-1" open>' in card
    assert "请填写 11 位手机号，或带区号的固定电话（分机号写在“转”后）。" in card
    assert 'value="12345"' in card
    assert not DailyLog.objects.exists()


@time_machine.travel(datetime.datetime(2026, 11, 23, 4, tzinfo=datetime.UTC))  # Monday noon
def test_an_earlier_days_log_says_it_will_be_late_before_it_is(client_for, org):
    today, earlier = datetime.date(2026, 11, 23), datetime.date(2026, 11, 20)  # Friday's
    client = client_for(org.am)
    html = client.get(edit_url(earlier)).content.decode()
    assert 'data-testid="will-be-late"' in html and "补交" in html
    assert "当日活动量" in html and "今日活动量" not in html
    html = client.get(edit_url(today)).content.decode()
    assert 'data-testid="will-be-late"' not in html and "今日活动量" in html
    client.post(edit_url(earlier), form_data({"visits": 2}, action="submit"))
    assert DailyLog.objects.get(date=earlier).is_late
    # Saturday's is due with Monday's: handed in today it is on time, and said so.
    saturday = earlier + datetime.timedelta(days=1)
    html = client.get(edit_url(saturday)).content.decode()
    assert 'data-testid="will-be-late"' not in html and "当日活动量" in html
    client.post(edit_url(saturday), form_data({"visits": 2}, action="submit"))
    assert not DailyLog.objects.get(date=saturday).is_late


def test_the_manager_sees_visits_counted_without_records(client_for, org, today):
    log = f.DailyLogFactory(author=org.am, region=org.region, date=today)
    MetricValue.objects.create(log=log, metric=Metric.objects.get(code="visits"), value=3)
    f.VisitRecordFactory(log=log, customer="恒通物流")
    url = reverse("activity:log_detail", kwargs={"pk": log.pk})
    html = client_for(org.rm).get(url).content.decode()
    assert 'data-testid="unrecorded-visits"' in html and "计拜访 3 次，拜访记录 1 条" in html
    f.VisitRecordFactory(log=log, customer="鑫源汽修")
    f.VisitRecordFactory(log=log, customer="城西驾校")
    assert 'data-testid="unrecorded-visits"' not in client_for(org.rm).get(url).content.decode()


def test_two_ams_of_one_name_are_told_apart_by_their_number(client_for, org, today):
    """王伟 is China's most common name: with two of them in a region, the queue and the
    week grid showed two identical rows."""
    first = f.member(org.region, name="王伟", employee_no="1101")
    second = f.member(org.region, name="王伟", employee_no="1102")
    for author, days_ago in ((first, 0), (second, 0), (first, 1)):
        f.DailyLogFactory(
            author=author, region=org.region, date=today - datetime.timedelta(days=days_ago)
        )
    client = client_for(org.rm)
    queue = client.get(reverse("activity:queue")).content.decode()
    grid = client.get(reverse("activity:week_grid", args=[org.region.pk])).content.decode()
    for html in (queue, grid):
        assert "王伟 1101" in html and "王伟 1102" in html
        assert f"{org.am.name} {org.am.employee_no}" not in html  # a unique name stays plain


def test_the_ams_home_page_lists_logs_returned_for_correction(client_for, org, today):
    from activity import services

    earlier = today - datetime.timedelta(days=3)
    log = f.DailyLogFactory(author=org.am, region=org.region, date=earlier)
    services.daily_log_return(log=log, actor=org.rm, reason="促成1件请补充拜访记录")
    html = client_for(org.am).get(edit_url(today)).content.decode()
    box = html.split('data-testid="returned-logs"')[1]
    assert edit_url(earlier) in box and "促成1件请补充拜访记录" in box
    assert (
        'data-testid="returned-logs"'
        not in client_for(org.peer_am).get(edit_url(today)).content.decode()
    )
    # QA: once today's log was handed in, home (its read-only page) forgot the other.
    todays = f.DailyLogFactory(
        author=org.am, region=org.region, date=today, status=LogStatus.SUBMITTED
    )
    home = client_for(org.am).get(reverse("activity:log_detail", args=[todays.pk]))
    box = home.content.decode().split('data-testid="returned-logs"')[1]
    assert edit_url(earlier) in box and "促成1件请补充拜访记录" in box


def test_submitting_in_a_region_without_a_manager_names_who_signs(client_for, org, today):
    """A region without a regional manager is signed off by the next manager up; with
    nobody up the line either, the AM is told that nobody can sign."""
    org.region.manager = None
    org.region.save()
    response = client_for(org.am).post(
        edit_url(today), form_data({"visits": 2}, action="submit"), follow=True
    )
    shown = [str(m) for m in response.context["messages"]]
    assert any(f"由{org.area.manager.name}签批" in m for m in shown), shown
    org.area.manager = None
    org.area.save()
    org.branch.head = None
    org.branch.save()
    response = client_for(org.am).post(
        edit_url(today - datetime.timedelta(days=1)),
        form_data({"visits": 2}, action="submit"),
        follow=True,
    )
    shown = [str(m) for m in response.context["messages"]]
    assert any("尚无区域经理" in m for m in shown) and not any("提交给区域经理" in m for m in shown)


def opened_revision(client, day) -> str:
    html = client.get(edit_url(day)).content.decode()
    return html.split('name="revision" value="')[1].split('"')[0]


def test_a_submit_from_a_tab_opened_before_the_log_was_submitted_is_shown_back(
    client_for, org, today
):
    """QA: the second tab's 提交 redirected to the first tab's log without a word, and the
    AM believed their nine visits were in."""
    client = client_for(org.am)
    first_tab = second_tab = opened_revision(client, today)
    first = form_data({"visits": 3}, [{"customer": "标签页一客户"}], action="submit")
    client.post(edit_url(today), {**first, "revision": first_tab})
    second = form_data({"visits": 9}, [{"customer": "标签页二客户"}], action="submit")
    response = client.post(edit_url(today), {**second, "revision": second_tab})
    assert response.status_code == 200
    html = response.content.decode()
    assert "标签页二客户" in html and 'value="9"' in html  # what was typed is kept
    assert "已从另一个页面或手机提交" in html
    assert "请更正标出的字段" not in html  # nothing is marked: nothing to correct
    assert 'data-testid="submit-log"' not in html and 'data-testid="submitted-log"' in html
    log = DailyLog.objects.get()
    assert log.status == LogStatus.SUBMITTED
    assert log.values.get(metric__code="visits").value == 3


def test_a_draft_from_a_tab_opened_before_another_save_asks_before_replacing_it(
    client_for, org, today
):
    client = client_for(org.am)
    opened = opened_revision(client, today)
    client.post(edit_url(today), {**form_data({"visits": 3}), "revision": opened})
    saved = DailyLog.objects.get()
    response = client.post(edit_url(today), {**form_data({"visits": 9}), "revision": opened})
    assert response.status_code == 200
    assert saved.values.get(metric__code="visits").value == 3  # not overwritten silently
    html = response.content.decode()
    assert "已从另一个页面或手机保存过" in html and 'value="9"' in html
    # The page now carries the current revision: saving again is the AM's choice.
    again = html.split('name="revision" value="')[1].split('"')[0]
    assert again == str(saved.revision)
    response = client.post(edit_url(today), {**form_data({"visits": 9}), "revision": again})
    assert response.status_code == 302
    assert saved.values.get(metric__code="visits").value == 9


def test_history_does_not_ask_for_logs_of_days_before_joining(org):
    """Re-test QA: an AM who joined on 1 December saw every working day of November
    marked 未填, each linking to a 403."""
    from activity.selectors import month_history

    joiner = f.UserFactory(name="安新")
    f.MembershipFactory(user=joiner, region=org.region, start_date=datetime.date(2026, 12, 1))
    today = datetime.date(2026, 12, 3)
    november = month_history(joiner, datetime.date(2026, 11, 1), today)
    assert [d for d in november if d.expected or d.no_log_status] == []
    december = month_history(joiner, datetime.date(2026, 12, 1), today)
    assert [(d.day.day, d.expected) for d in december] == [(3, True), (2, True), (1, True)]


@pytest.mark.parametrize("action", ["submit", "save"])
def test_a_double_tap_is_not_told_it_lost_what_it_saved(client_for, org, today, action):
    """Phone QA: two taps on 提交 80 ms apart sent the same form twice. The first saved
    it; the second was told the log had been submitted from another phone and nothing
    typed was saved, and to ask the RM for a return."""
    client = client_for(org.am)
    prospect = f.ProspectFactory(owner=org.am, name="恒通物流")
    opened = opened_revision(client, today)
    visits = [
        {"customer": "", "prospect": str(prospect.pk), "stage": "interested"},
        {"customer": "城西驾校", "save_prospect": "on", "prospect_phone": "13912345678"},
    ]
    post = {**form_data({"visits": 2}, visits, action=action, remarks="两次"), "revision": opened}
    first = client.post(edit_url(today), post)
    second = client.post(edit_url(today), post, follow=True)
    assert second.redirect_chain == [(first.url, 302)]
    html = second.content.decode()
    assert "另一个页面或手机" not in html
    assert ("已提交给区域经理" if action == "submit" else "草稿已保存") in html
    log = DailyLog.objects.get()
    assert log.visits.count() == 2 and log.author.prospects.count() == 2
    assert log.events.filter(action="submitted").count() == (1 if action == "submit" else 0)


def test_a_visit_pasted_with_a_zero_width_space_is_her_prospect(client_for, org, today):
    """A name pasted from WeChat carries a zero-width space: ticking "add to my prospects"
    made a second 恒通物流 beside hers, and a name of nothing else was a visit to no one."""
    prospect = f.ProspectFactory(owner=org.am, name="恒通物流", phone="")
    client = client_for(org.am)
    visits = [{"customer": "恒通物流\u200b", "save_prospect": "on"}]
    client.post(edit_url(today), form_data({"visits": 1}, visits))
    visit = DailyLog.objects.get().visits.get()
    assert (visit.customer, visit.prospect) == ("恒通物流", prospect)
    assert org.am.prospects.count() == 1
    # A card of nothing but that is an empty card, not a visit to someone unnamed.
    client.post(edit_url(today), form_data({"visits": 1}, [{"customer": "\u200b"}]))
    assert not DailyLog.objects.get().visits.exists()


def test_a_phone_typed_to_add_a_prospect_without_the_tick_adds_her(client_for, org, today):
    """A phone and a source typed under "Not on my prospect list yet? Add it" without
    ticking the box were dropped without a word: the log saved, the phone gone."""
    visits = [
        {"customer": "东城物流", "prospect_phone": "139 1234 5678", "prospect_source": "target"}
    ]
    response = client_for(org.am).post(edit_url(today), form_data({"visits": 1}, visits))
    assert response.status_code == 302
    prospect = org.am.prospects.get()
    assert (prospect.name, prospect.phone, prospect.source) == ("东城物流", "13912345678", "target")
    assert DailyLog.objects.get().visits.get().prospect == prospect


def test_a_phone_typed_beside_a_picked_prospect_is_not_dropped(client_for, org, today):
    prospect = f.ProspectFactory(owner=org.am, name="恒通物流", phone="0571-86966953")
    client = client_for(org.am)
    visit = {"customer": "", "prospect": str(prospect.pk), "prospect_phone": "13912345678"}
    response = client.post(edit_url(today), form_data({"visits": 1}, [visit]))
    assert response.status_code == 200
    assert "请到该准主顾的页面修改电话" in response.content.decode()
    assert not DailyLog.objects.exists()
    # Her own number typed again is no change: saved.
    visit["prospect_phone"] = "0571 8696 6953"
    assert client.post(edit_url(today), form_data({"visits": 1}, [visit])).status_code == 302


def test_a_prospect_phone_saved_with_dashes_is_the_same_number(client_for, org, today):
    """Prospects saved before the forms tidied phones keep 0571-86966953; the visit form
    keeps 057186966953, so the same firm at the same number was a second prospect."""
    prospect = f.ProspectFactory(owner=org.am, name="恒通汽修厂", phone="0571-86966953")
    visits = [{"customer": "恒通汽修厂", "save_prospect": "on", "prospect_phone": "0571-86966953"}]
    client_for(org.am).post(edit_url(today), form_data({"visits": 1}, visits))
    assert DailyLog.objects.get().visits.get().prospect == prospect
    assert org.am.prospects.count() == 1


def test_a_post_from_an_older_page_with_other_content_is_still_a_conflict(client_for, org, today):
    client = client_for(org.am)
    opened = opened_revision(client, today)
    client.post(edit_url(today), {**form_data({"visits": 2}, action="submit"), "revision": opened})
    # Same numbers, but a draft where the log is submitted: not what the log holds.
    again = client.post(edit_url(today), {**form_data({"visits": 2}), "revision": opened})
    assert again.status_code == 200 and "已从另一个页面或手机提交" in again.content.decode()
    different = {**form_data({"visits": 3}, action="submit"), "revision": opened}
    assert "已从另一个页面或手机提交" in client.post(edit_url(today), different).content.decode()


@pytest.mark.parametrize("typed", ["8-", "abc", "1,000"])
def test_a_count_the_phone_cannot_read_is_an_error_not_a_zero(client_for, org, today, typed):
    """Phone QA: "8-" (the number pad has a minus key) in a number box posted an empty
    value, which a count takes as 0: the draft was saved with 0 and no word."""
    response = client_for(org.am).post(
        edit_url(today), form_data({"visits": 3, "callbacks": typed}, remarks="保留")
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "输入整数" in html
    assert f'value="{typed}"' in html and "保留" in html  # what was typed comes back
    assert not DailyLog.objects.exists()
    # The box is text with the number pad, so the server sees what was typed.
    box = next(tag for tag in html.split("<input")[1:] if 'name="count_callbacks"' in tag)
    box = box.split(">")[0]
    assert 'type="text"' in box and 'inputmode="numeric"' in box


def test_a_return_keeps_the_comment_typed_beside_the_reason(client_for, org, today):
    """Phone QA: the RM answered the AM's joint-visit request in 批示 and returned the log
    with a reason; the answer was stored nowhere."""
    log = f.DailyLogFactory(
        author=org.am, region=org.region, date=today, status=LogStatus.SUBMITTED
    )
    client_for(org.rm).post(
        reverse("activity:log_return", args=[log.pk]),
        {"comment": "陪同的事周三上午可以", "reason": "拜访3次但留电话6个，请核对"},
    )
    log.refresh_from_db()
    assert log.status == LogStatus.RETURNED and log.manager_comment == "陪同的事周三上午可以"
    html = client_for(org.am).get(reverse("activity:log_detail", args=[log.pk])).content.decode()
    assert "陪同的事周三上午可以" in html and "拜访3次但留电话6个" in html
    # The AM corrects it on the log's edit page (her home page, the returned-logs list's
    # link): the answer was shown on the log's page only.
    html = client_for(org.am).get(edit_url(today)).content.decode()
    box = html.split('data-testid="manager-comment"')[1].split("</div>\n</div>")[0]
    assert "陪同的事周三上午可以" in box and "拜访3次但留电话6个" in html
    notification = org.am.notifications.get()
    assert "陪同的事周三上午可以" in notification.body


def test_a_sign_off_with_a_reason_typed_for_a_return_asks_which_was_meant(client_for, org, today):
    """Phone QA: the RM typed why the log goes back, then tapped the first button, 签批:
    the log was signed off and the reason dropped without a word. The page comes back
    with both texts and asks; an empty reason box signs off as before."""
    log = f.DailyLogFactory(
        author=org.am, region=org.region, date=today, status=LogStatus.SUBMITTED
    )
    client = client_for(org.rm)
    url = reverse("activity:log_sign_off", args=[log.pk])
    response = client.post(url, {"comment": "明天继续", "reason": "促成1件请补充客户"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "您填写了退回原因。要退回，请点“退回更正”；要签批，请先清空原因。" in html
    assert "促成1件请补充客户</textarea>" in html and "明天继续</textarea>" in html
    log.refresh_from_db()
    assert log.status == LogStatus.SUBMITTED

    assert client.post(url, {"comment": "明天继续", "reason": "  "}).status_code == 302
    log.refresh_from_db()
    assert log.status == LogStatus.SIGNED_OFF and log.manager_comment == "明天继续"


def test_submitting_fewer_visits_than_visit_records_is_refused(client_for, org, today):
    """QA (a new branch): 拜访 1 beside two visit records was submitted, and the region's
    visits counted 1. Each record is a visit: on submitting the count is at least the
    records; a draft may disagree while the AM is typing."""
    client = client_for(org.am)
    visits = [{"customer": "客户甲"}, {"customer": "客户乙"}]
    response = client.post(edit_url(today), form_data({"visits": 1}, visits, action="submit"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "您在下面写了 2 条拜访记录：拜访次数至少填 2。" in html
    assert 'value="客户乙"' in html  # what was typed is kept
    assert not DailyLog.objects.exists()

    assert client.post(edit_url(today), form_data({"visits": 1}, visits)).status_code == 302
    assert DailyLog.objects.get().status == LogStatus.DRAFT

    response = client.post(edit_url(today), form_data({"visits": 2}, visits, action="submit"))
    assert response.status_code == 302
    assert DailyLog.objects.get().status == LogStatus.SUBMITTED


def test_the_author_of_a_handed_in_log_is_told_how_to_correct_it(client_for, org, today):
    """QA: after 提交 the AM's log page had no button and no word on how to fix a mistake."""
    log = f.DailyLogFactory(author=org.am, region=org.region, date=today, support_material=True)
    url = reverse("activity:log_detail", kwargs={"pk": log.pk})
    html = client_for(org.am).get(url).content.decode()
    assert "已提交，等待签批。如需更正，请联系签批人退回后修改。" in html
    # A ticked support item with no notes is not followed by "—", which read as "nothing".
    assert 'data-testid="no-support"' not in html
    assert "how-to-correct" not in client_for(org.rm).get(url).content.decode()
    DailyLog.objects.filter(pk=log.pk).update(
        status=LogStatus.SIGNED_OFF,
        signed_off_by=org.rm,
        signed_off_at=timezone.now(),
        support_material=False,
    )
    html = client_for(org.am).get(url).content.decode()
    assert "已签批。如需更正，请联系区域经理重新打开。" in html
    assert 'data-testid="no-support"' in html


def test_counts_in_english_read_in_the_singular_for_one(client_for, org, today):
    """QA in English: "1 logs signed off.", "1 visits counted, 0 recorded."."""
    log = f.DailyLogFactory(author=org.am, region=org.region, date=today)
    MetricValue.objects.create(log=log, metric=Metric.objects.get(code="visits"), value=1)
    client = client_for(org.rm)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("activity:log_detail", kwargs={"pk": log.pk})).content.decode()
    assert "1 visit counted, 0 recorded." in html
    response = client.post(reverse("activity:bulk_sign_off"), {"logs": [log.pk]}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["1 log signed off."]


def test_log_page_names_the_needs_for_whoever_reads_it(client_for, org, today):
    """QA in English: the RM read 'What I need from my regional manager' on the AM's log."""
    log = f.DailyLogFactory(author=org.am, region=org.region, date=today, needs_joint_visit=True)
    client = client_for(org.rm)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("activity:log_detail", kwargs={"pk": log.pk})).content.decode()
    assert "Needs from the regional manager" in html and "What I need" not in html
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    html = client.get(reverse("activity:log_detail", kwargs={"pk": log.pk})).content.decode()
    assert "对区域经理的需求" in html


@time_machine.travel(
    datetime.datetime(2027, 1, 4, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False
)
def test_new_years_day_is_no_missing_log_before_the_admin_enters_the_years_holidays(
    client_for, org
):
    """Monday 4 January 2027: nothing of 2027's holidays entered, chinese-calendar does not
    carry 2027. 1 January (元旦, a Friday) is a holiday by law, not a log the AM owes."""
    html = client_for(org.am).get(reverse("activity:my_logs")).content.decode()
    assert html.count("今日待填") == 1 and html.count("未填") == 0
    grid = client_for(org.rm).get(
        reverse("activity:week_grid", kwargs={"region_id": org.region.pk}) + "?week=2026-12-28"
    )
    rows = {row.member.name: [c["status"] for c in row.cells] for row in grid.context["rows"]}
    assert rows["张三"] == ["missing"] * 4 + [None, None, None]


def test_a_returned_log_shows_and_keeps_a_metric_switched_off_since(client_for, org, today):
    """Metrics QA: a log of last week returned for correction after 折页 was switched off:
    its edit page had no 折页 field, so the AM could neither see nor correct the 30
    leaflets counted in it."""
    day = today - datetime.timedelta(days=7)
    log = f.DailyLogFactory(author=org.am, region=org.region, date=day, status=LogStatus.RETURNED)
    leaflets = Metric.objects.get(code="leaflets")
    MetricValue.objects.create(log=log, metric=leaflets, value=30)
    MetricValue.objects.create(log=log, metric=Metric.objects.get(code="visits"), value=3)
    Metric.objects.filter(code="leaflets").update(is_active=False)
    client = client_for(org.am)
    html = client.get(edit_url(day)).content.decode()
    assert 'name="count_leaflets"' in html and "折页" in html
    response = client.post(edit_url(day), form_data({"visits": 3, "leaflets": 25}))
    assert response.status_code == 302
    assert log.values.get(metric=leaflets).value == 25
    # Today's draft, saved with 折页 0 before it was switched off, does not offer it.
    draft = f.DailyLogFactory(author=org.am, region=org.region, date=today, status=LogStatus.DRAFT)
    MetricValue.objects.create(log=draft, metric=leaflets, value=0)
    html = client.get(edit_url(today)).content.decode()
    assert 'name="count_visits"' in html and 'name="count_leaflets"' not in html


def test_the_queue_shows_a_metric_switched_off_since_that_a_waiting_log_counted(
    client_for, org, today
):
    """Metrics QA: last week's log, corrected and handed in again after 折页 was switched
    off, waited in the RM's queue without its 30 leaflets; the AM's month list too."""
    day = today - datetime.timedelta(days=7)
    log = f.DailyLogFactory(author=org.am, region=org.region, date=day, status=LogStatus.SUBMITTED)
    MetricValue.objects.create(log=log, metric=Metric.objects.get(code="leaflets"), value=30)
    Metric.objects.filter(code="leaflets").update(is_active=False)
    html = client_for(org.rm).get(reverse("activity:queue")).content.decode()
    assert '<th scope="col" class="text-end">折页</th>' in html
    assert '<td class="text-end">30</td>' in html
    mine = client_for(org.am).get(reverse("activity:my_logs") + f"?month={day:%Y-%m}")
    assert "折页 30" in mine.content.decode()


def test_the_columns_of_a_list_of_logs_read_only_those_logs_values(org, today):
    """Load test: the queue's columns were read by joining every metric value to the
    metrics (with DISTINCT): 1.9 s on the bench org's 5 million values, 11 s under load.
    Only the listed logs' values may be read: a metric switched off is a column when one
    of them counted it, not when another log did."""
    from activity import selectors

    leaflets = Metric.objects.get(code="leaflets")
    listed = f.DailyLogFactory(author=org.am, region=org.region, date=today)
    other = f.DailyLogFactory(author=org.peer_am, region=org.region, date=today)
    MetricValue.objects.create(log=other, metric=leaflets, value=30)
    Metric.objects.filter(code="leaflets").update(is_active=False)
    with CaptureQueriesContext(connection) as queries:
        columns = selectors.metrics_of_logs([listed])
    assert "leaflets" not in [m.code for m in columns]
    assert 'JOIN "activity_metricvalue"' not in queries[0]["sql"]  # a subquery on the logs
    MetricValue.objects.create(log=listed, metric=leaflets, value=5)
    assert "leaflets" in [m.code for m in selectors.metrics_of_logs([listed])]


def test_a_return_refused_because_the_log_was_signed_off_meanwhile_keeps_what_was_typed(
    client_for, org, today
):
    """The RM bulk-signed the day's logs on the PC while typing a return on the phone:
    the return is refused, and the reason and 批示 come back to copy (a redirect lost
    them), the reason ready in the box that reopens the log."""
    log = f.DailyLogFactory(author=org.am, region=org.region, date=today)
    client = client_for(org.rm)
    client.post(reverse("activity:bulk_sign_off"), {"logs": [log.pk], "comment": ""})
    response = client.post(
        reverse("activity:log_return", kwargs={"pk": log.pk}),
        {"reason": "拜访记录写得太笼统，请补充客户需求", "comment": "明天我陪你去恒通物流"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "已是“已签批”状态" in html and 'data-testid="not-saved"' in html
    assert "明天我陪你去恒通物流" in html
    assert 'data-testid="reopen"' in html and "请补充客户需求</textarea>" in html
    log.refresh_from_db()
    assert log.status == LogStatus.SIGNED_OFF and log.events.count() == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="two requests racing on two connections: runs on PostgreSQL (production, CI); "
    "the zero-setup SQLite test database takes one writer at a time",
)
@pytest.mark.django_db(transaction=True)
def test_two_taps_racing_on_a_log_never_saved_both_end_on_the_submitted_log(org, today):
    """The page shown last is the second tap's: it says the log was handed in, not that
    it can no longer be changed (nor a server error)."""
    import threading

    from django.test import Client

    data = form_data({"visits": 2}, action="submit", remarks="一次")
    barrier = threading.Barrier(2)
    responses = []

    def tap():
        client = Client()
        client.force_login(org.am)
        try:
            barrier.wait()
            responses.append(client.post(edit_url(today), data))
        finally:
            connection.close()

    threads = [threading.Thread(target=tap) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    log = DailyLog.objects.get()
    detail = reverse("activity:log_detail", kwargs={"pk": log.pk})
    assert [(r.status_code, r.url) for r in responses] == [(302, detail)] * 2
    assert log.status == LogStatus.SUBMITTED and log.events.count() == 1


def test_the_queue_says_which_reviews_and_goal_sheets_wait_too(client_for, org, today):
    """The RM's home page: her weekly reviews and goal sheets waiting, the oldest a click
    away; they were only on the plans page."""
    from planning.models import MonthlyGoalSheet, WeeklyReview

    week = today - datetime.timedelta(days=today.weekday() + 7)
    older = WeeklyReview.objects.create(
        author=org.peer_am,
        region=org.region,
        week_start=week - datetime.timedelta(weeks=1),
        status="submitted",
    )
    WeeklyReview.objects.create(
        author=org.am, region=org.region, week_start=week, status="submitted"
    )
    sheet = MonthlyGoalSheet.objects.create(
        author=org.am, region=org.region, month=today.replace(day=1), status="submitted"
    )
    WeeklyReview.objects.create(  # another RM's
        author=org.outsider_am, region=org.other_region, week_start=week, status="submitted"
    )
    html = client_for(org.rm).get(reverse("activity:queue")).content.decode()
    assert 'data-testid="also-waiting"' in html
    assert f'href="{reverse("planning:weekly_detail", kwargs={"pk": older.pk})}"' in html
    assert "2 份周检讨" in html and "1 份目标设定表" in html
    assert f'href="{reverse("planning:monthly_detail", kwargs={"pk": sheet.pk})}"' in html
    html = client_for(org.other_rm).get(reverse("activity:queue")).content.decode()
    assert "1 份周检讨" in html and 'data-testid="first-sheet"' not in html


def test_overview_of_a_day_not_begun_reads_as_today(client_for, org):
    """A link to a later day (typed, or a bookmark's ?day=) showed every AM as not
    submitted, in red, as if that day were over."""
    client = client_for(org.branch_head)
    shanghai = ZoneInfo("Asia/Shanghai")
    with time_machine.travel(datetime.datetime(2026, 11, 25, 17, tzinfo=shanghai), tick=False):
        response = client.get(reverse("accounts:home"), {"day": "2026-12-10"})
    assert response.context["day"] == datetime.date(2026, 11, 25)
    assert response.context["is_today"]
    html = response.content.decode()
    assert 'text-danger fw-bold" data-testid="not-submitted"' not in html
    assert "?day=2026-12-11" not in html  # no "next day" into the future


def test_a_newcomers_logs_lead_to_no_page_that_refuses_her(client_for, org):
    """First days: an AM imported on Wednesday 2 December saw 1 December, and through
    ← 上个月 every day of November, each a link to 您在这一天不属于任何区域 (403)."""
    import time_machine

    joiner = f.UserFactory(name="安新")
    f.MembershipFactory(user=joiner, region=org.region, start_date=datetime.date(2026, 12, 2))
    client = client_for(joiner)
    with time_machine.travel(datetime.datetime(2026, 12, 2, 4, tzinfo=datetime.UTC)):
        response = client.get(reverse("activity:my_logs"))
        html = response.content.decode()
        assert reverse("activity:log_edit", kwargs={"day": datetime.date(2026, 12, 2)}) in html
        assert reverse("activity:log_edit", kwargs={"day": datetime.date(2026, 12, 1)}) not in html
        assert "12-01" in html  # still listed, as a day, not a link
        assert response.context["previous_month"] is None and "上个月" not in html
        # Someone in a region before the month still steps back to it.
        assert "上个月" in client_for(org.am).get(reverse("activity:my_logs")).content.decode()


def test_signing_off_a_request_unanswered_keeps_the_page_and_what_was_typed(client_for, org, today):
    """QA (phone): 签批 with an empty 批示 on a log asking for a joint visit signed it
    off, and its author never heard whether the RM would come."""
    log = f.DailyLogFactory(author=org.am, region=org.region, date=today, needs_joint_visit=True)
    url = reverse("activity:log_sign_off", kwargs={"pk": log.pk})
    client = client_for(org.rm)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(url, {"comment": " ", "reason": ""})
    assert response.status_code == 200
    assert response.context["comment_form"].errors["comment"] == [
        "This log asks you for a joint visit or support: answer it in the comment before "
        "signing it off."
    ]
    assert DailyLog.objects.get(pk=log.pk).status == LogStatus.SUBMITTED
    response = client.post(url, {"comment": "周四下午我陪你去", "reason": ""})
    assert response.status_code == 302
    log.refresh_from_db()
    assert (log.status, log.manager_comment) == (LogStatus.SIGNED_OFF, "周四下午我陪你去")


def test_a_refused_bulk_sign_off_keeps_the_comment_and_the_ticks(client_for, org, today):
    """QA (phone): 签批所选 with no log ticked came back with the 统一批示 typed for the
    whole region gone; so did one refused for a comment too long."""
    logs = [
        f.DailyLogFactory(author=u, region=org.region, date=today) for u in (org.am, org.peer_am)
    ]
    client = client_for(org.rm)
    url = reverse("activity:bulk_sign_off")
    response = client.post(url, {"comment": "本周拜访量不错，继续"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("activity:queue")
    html = response.content.decode()
    assert 'value="本周拜访量不错，继续"' in html
    assert [str(m) for m in response.context["messages"]] == ["请勾选要签批的日志。"]
    too_long = "好" * (FREE_TEXT_MAX_LENGTH + 1)
    html = client.post(url, {"logs": [logs[1].pk], "comment": too_long}, follow=True)
    html = html.content.decode()
    assert f'value="{too_long}"' in html
    assert f'id="tick-{logs[1].pk}" checked' in html
    assert f'id="tick-{logs[0].pk}" checked' not in html
    # Shown once: the queue opened again is as usual.
    html = client.get(reverse("activity:queue")).content.decode()
    assert "checked" not in html and too_long not in html
    assert DailyLog.objects.filter(status=LogStatus.SUBMITTED).count() == 2
