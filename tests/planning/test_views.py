"""Behaviour of the planning pages. Who may reach each URL is in matrix_rows_planning.py."""

import datetime
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.services import membership_end, membership_move, user_deactivate
from activity.models import LogStatus, Metric
from config.limits import FREE_TEXT_MAX_LENGTH
from planning import periods
from planning.calendar import BranchRules
from planning.models import MonthlyGoalSheet, PeriodKind, Target, TargetRevision, WeeklyReview
from tests import factories as f
from tests.planning.helpers import metric, write_log

D = datetime.date
# Friday 20 November 2026, 15:00 in Shanghai.
FRIDAY = datetime.datetime(2026, 11, 20, 7, 0, tzinfo=datetime.UTC)
WEEK = D(2026, 11, 16)


@pytest.fixture
def friday():
    with time_machine.travel(FRIDAY, tick=False):
        yield


def _week_target(org, code, value, user=None):
    Target.objects.create(
        user=user or org.am,
        metric=metric(code),
        period_kind=PeriodKind.WEEK,
        period_start=WEEK,
        value=value,
        updated_by=org.rm,
    )


def _review_data(**extra):
    return {"planned_visit_count": "3", "planned_new": "恒通物流\n城西驾校", **extra}


@pytest.mark.usefixtures("friday")
def test_weekly_review_shows_the_gap_from_the_logs(org, client_for):
    _week_target(org, "visits", 30)
    write_log(org.am, org.region, D(2026, 11, 16), visits=8)
    write_log(org.am, org.region, D(2026, 11, 17), status=LogStatus.SIGNED_OFF, visits=9)
    write_log(org.am, org.region, D(2026, 11, 18), status=LogStatus.DRAFT, visits=50)
    response = client_for(org.am).get(reverse("planning:weekly_edit", kwargs={"week": WEEK}))
    assert response.status_code == 200
    row = next(r for r in response.context["metric_rows"] if r[0].metric.code == "visits")
    assert (row[0].target, row[0].actual, row[0].gap) == (30, 17, -13)
    assert b'data-col="gap">-13<' in response.content
    # QA: 下周目标 (拜访) and 下周计划拜访数 side by side read as two numbers for one thing.
    assert "上表的“下周目标”是下周要达到的拜访数" in response.content.decode()


@pytest.mark.usefixtures("friday")
def test_submit_without_cause_keeps_what_was_typed(org, client_for):
    _week_target(org, "visits", 30)
    write_log(org.am, org.region, D(2026, 11, 16), visits=8)
    visits = metric("visits")
    url = reverse("planning:weekly_edit", kwargs={"week": WEEK})
    response = client_for(org.am).post(
        url,
        _review_data(
            submit="1", situation_analysis="本周下雨两天", **{f"cause_{visits.pk}": "下雨"}
        ),
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert f"countermeasure_{visits.pk}" in form.errors
    assert f"cause_{visits.pk}" not in form.errors
    assert "本周下雨两天" in response.content.decode()
    assert "恒通物流" in response.content.decode()
    assert not WeeklyReview.objects.exists()
    response = client_for(org.am).post(
        url,
        _review_data(
            submit="1", **{f"cause_{visits.pk}": "下雨", f"countermeasure_{visits.pk}": "周末补访"}
        ),
    )
    review = WeeklyReview.objects.get()
    assert response.url == reverse("planning:weekly_detail", kwargs={"pk": review.pk})
    assert review.status == "submitted" and not review.is_late
    assert review.lines.get(metric=visits).countermeasure == "周末补访"


@pytest.mark.usefixtures("friday")
def test_the_mark_on_a_cause_says_what_it_means(org, client_for):
    """QA: a " *" after 原因分析 and 对策 of a metric below target, explained nowhere."""
    _week_target(org, "visits", 30)
    _week_target(org, "leaflets", 10)
    write_log(org.am, org.region, D(2026, 11, 16), visits=8, leaflets=12)
    visits, leaflets = metric("visits"), metric("leaflets")
    client = client_for(org.am)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    url = reverse("planning:weekly_edit", kwargs={"week": WEEK})
    html = client.get(url).content.decode()

    legend = re.search(r'data-testid="required-legend">(.*?)</p>', html).group(1)
    assert '<span aria-hidden="true">* </span>Required to submit the review' in legend

    def label(name):
        return re.search(rf'<label[^>]*for="id_{name}">(.*?)</label>', html).group(1)

    # Below target: marked for the eye, said in words to a screen reader.
    for name in (f"cause_{visits.pk}", f"countermeasure_{visits.pk}"):
        assert label(name).endswith(
            '<span aria-hidden="true"> *</span>'
            '<span class="visually-hidden"> (required to submit)</span>'
        ), label(name)
    assert label(f"cause_{leaflets.pk}") == "Cause"  # on target: nothing asked
    # No metric behind: no mark, and no legend for one.
    write_log(org.am, org.region, D(2026, 11, 17), visits=30)
    html = client.get(url).content.decode()
    assert 'data-testid="required-legend"' not in html and " *" not in html


def test_a_running_week_asks_a_cause_only_where_the_am_is_behind_pace(org, client_for):
    """Newcomer QA: on Tuesday every metric was 'short' of the whole week's target and
    asked for a cause, while 我的计划 read the same week as on track."""
    _week_target(org, "visits", 30)
    _week_target(org, "leaflets", 100)
    write_log(org.am, org.region, D(2026, 11, 16), visits=8)  # 6 expected by Monday's end
    visits, leaflets = metric("visits"), metric("leaflets")
    url = reverse("planning:weekly_edit", kwargs={"week": WEEK})
    tuesday = datetime.datetime(2026, 11, 17, 7, 0, tzinfo=datetime.UTC)
    with time_machine.travel(tuesday, tick=False):
        page = client_for(org.am).get(url)
        assert 'data-testid="week-running"' in page.content.decode()
        assert 'data-col="expected">6<' in page.content.decode()  # visits: 30 × 1/5
        response = client_for(org.am).post(url, _review_data(submit="1"))
        form = response.context["form"]
        assert f"cause_{leaflets.pk}" in form.errors  # 0 of 20 expected: behind
        assert f"cause_{visits.pk}" not in form.errors  # 8 of 6 expected: on track
        response = client_for(org.am).post(
            url,
            _review_data(
                submit="1",
                **{f"cause_{leaflets.pk}": "折页没到", f"countermeasure_{leaflets.pk}": "周三领"},
            ),
        )
    assert response.status_code == 302
    assert WeeklyReview.objects.get().status == "submitted"


def test_a_review_handed_in_mid_week_is_read_by_pace_while_the_week_runs(org, client_for):
    """Sweep: an AM handed in her review on Tuesday, told 进度正常 for her visits; her RM
    opening it that day saw every line marked short of the whole week's target."""
    _week_target(org, "visits", 30)
    _week_target(org, "leaflets", 100)
    write_log(org.am, org.region, D(2026, 11, 16), visits=8)  # 6 expected by Monday's end
    review = WeeklyReview.objects.create(
        author=org.am, region=org.region, week_start=WEEK, status="submitted"
    )
    url = reverse("planning:weekly_detail", kwargs={"pk": review.pk})
    tuesday = datetime.datetime(2026, 11, 17, 7, 0, tzinfo=datetime.UTC)
    with time_machine.travel(tuesday, tick=False):
        html = client_for(org.rm).get(url).content.decode()
    assert 'data-testid="week-running"' in html
    assert "本周还没有结束" in html
    assert '<tr data-metric="visits">' in html  # 8 of 6 expected: on track
    assert '<tr data-metric="leaflets" class="table-warning">' in html  # 0 of 20: behind
    # Once the week is over, a line short of the week's target is marked again.
    with time_machine.travel(FRIDAY + datetime.timedelta(days=3), tick=False):
        html = client_for(org.rm).get(url).content.decode()
    assert 'data-testid="week-running"' not in html
    assert '<tr data-metric="visits" class="table-warning">' in html


@pytest.mark.usefixtures("friday")
@pytest.mark.parametrize("field", ["planned_visit_count", "next_{visits}"])
def test_numbers_beyond_what_the_database_holds_are_refused_on_the_form(org, client_for, field):
    name = field.format(visits=metric("visits").pk)
    response = client_for(org.am).post(
        reverse("planning:weekly_edit", kwargs={"week": WEEK}),
        _review_data(**{name: "99999999999"}),
    )
    assert response.status_code == 200
    assert name in response.context["form"].errors
    assert not WeeklyReview.objects.exists()


@pytest.mark.usefixtures("friday")
def test_a_planned_customer_name_too_long_is_refused_not_cut(org, client_for):
    long_name = "华" * 101
    response = client_for(org.am).post(
        reverse("planning:weekly_edit", kwargs={"week": WEEK}),
        _review_data(planned_new=f"恒通物流\n{long_name}"),
    )
    assert response.status_code == 200
    assert "第 2 行" in str(response.context["form"].errors["planned_new"])
    assert long_name in response.content.decode()
    assert not WeeklyReview.objects.exists()


@pytest.mark.usefixtures("friday")
def test_a_target_source_shared_by_every_line_is_said_once(org, client_for):
    for code in ("visits", "leaflets"):
        Target.objects.create(
            user=org.am,
            metric=metric(code),
            period_kind=PeriodKind.MONTH,
            period_start=D(2026, 11, 1),
            value=100,
            updated_by=org.rm,
        )
    url = reverse("planning:member", kwargs={"user_id": org.am.pk})
    html = client_for(org.am).get(url).content.decode()
    # This week's targets all come from the month: one note under the table.
    assert html.count("标准：按月目标折算") == 1
    assert "<sup" not in html  # no line marked

    _week_target(org, "visits", 30)  # now one line is set for the week itself
    response = client_for(org.am).get(url)
    assert "*标准：按月目标折算" in response.content.decode()
    marks = {line.metric.code: line.source_mark for line in response.context["week"].lines}
    assert marks["visits"] == "" and marks["leaflets"] == "*"


@pytest.mark.usefixtures("friday")
def test_an_overlong_cause_is_a_field_error_and_the_review_is_kept(org, client_for):
    _week_target(org, "visits", 30)
    visits = metric("visits")
    response = client_for(org.am).post(
        reverse("planning:weekly_edit", kwargs={"week": WEEK}),
        _review_data(
            situation_analysis="本周下雨两天",
            **{f"cause_{visits.pk}": "雨" * (FREE_TEXT_MAX_LENGTH + 1)},
        ),
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == [f"cause_{visits.pk}"]
    assert "本周下雨两天" in response.content.decode()
    assert not WeeklyReview.objects.exists()


@pytest.mark.usefixtures("friday")
def test_rm_reviews_and_the_am_sees_the_coaching_note(org, client_for):
    review = WeeklyReview.objects.create(
        author=org.am, region=org.region, week_start=WEEK, status="submitted"
    )
    write_log(org.am, org.region, D(2026, 11, 17), status=LogStatus.SIGNED_OFF)
    from activity.models import DailyLog

    DailyLog.objects.filter(author=org.am).update(manager_comment="留电话要及时回访")
    client = client_for(org.rm)
    page = client.get(reverse("planning:weekly_detail", kwargs={"pk": review.pk}))
    assert page.context["coaching_form"] is not None
    assert "留电话要及时回访" in page.content.decode()  # RM's log comments carry over
    response = client.post(
        reverse("planning:weekly_review", kwargs={"pk": review.pk}),
        {"coaching_note": "先约车队客户"},
    )
    assert response.status_code == 302
    page = client_for(org.am).get(reverse("planning:weekly_detail", kwargs={"pk": review.pk}))
    assert "先约车队客户" in page.content.decode()
    assert page.context["coaching_form"] is None


@pytest.mark.usefixtures("friday")
def test_planned_visits_are_matched_against_next_weeks_visit_records(org, client_for):
    previous = WeeklyReview.objects.create(
        author=org.am,
        region=org.region,
        week_start=WEEK - datetime.timedelta(weeks=1),
        status="reviewed",
        reviewed_by=org.rm,
    )
    prospect = f.ProspectFactory(owner=org.am, name="鑫源汽修")
    previous.planned_visits.create(prospect=prospect, customer=prospect.name)
    previous.planned_visits.create(customer="城西驾校")
    previous.planned_visits.create(customer="东方酒店")
    log = write_log(org.am, org.region, D(2026, 11, 17))
    f.VisitRecordFactory(log=log, prospect=prospect, customer="鑫源汽修（老板）")
    f.VisitRecordFactory(log=log, customer="城西驾校")
    response = client_for(org.am).get(reverse("planning:weekly_edit", kwargs={"week": WEEK}))
    checks = {c.planned.customer: c.happened for c in response.context["visit_checks"]}
    assert checks == {"鑫源汽修": True, "城西驾校": True, "东方酒店": False}


@pytest.mark.usefixtures("friday")
def test_the_rm_reads_how_many_planned_customers_were_visited(org, client_for):
    """QA: the review listed twenty planned names with a badge each and no count: the RM
    counted badges to learn the plan was kept in 12. A customer visited on Tuesday and
    again on Thursday is one planned visit made; one visited on another day than the AM
    thought is made too."""
    previous = WeeklyReview.objects.create(
        author=org.am,
        region=org.region,
        week_start=WEEK - datetime.timedelta(weeks=1),
        status="reviewed",
        reviewed_by=org.rm,
    )
    twice = f.ProspectFactory(owner=org.am, name="鑫源汽修")
    previous.planned_visits.create(prospect=twice, customer=twice.name)
    previous.planned_visits.create(customer="城西驾校")
    previous.planned_visits.create(customer="东方酒店")
    for day in (17, 19):
        log = write_log(org.am, org.region, D(2026, 11, day))
        f.VisitRecordFactory(log=log, prospect=twice, customer=twice.name)
    f.VisitRecordFactory(log=write_log(org.am, org.region, D(2026, 11, 20)), customer="城西驾校")
    review = WeeklyReview.objects.create(
        author=org.am, region=org.region, week_start=WEEK, status="submitted"
    )
    page = client_for(org.rm).get(reverse("planning:weekly_detail", kwargs={"pk": review.pk}))
    count = re.search(r'data-testid="visit-checks-count">([^<]*)<', page.content.decode())
    # 2 of 3, in whichever language: visited twice is once, a name typed is matched.
    assert count and re.fullmatch(r"\D*2\D+3\D*", count.group(1))
    assert page.context["visit_checks"].visited == 2


@pytest.mark.usefixtures("friday")
def test_a_visit_to_another_prospect_of_the_same_name_is_not_the_planned_one(org, client_for):
    """QA: she planned 王先生 (139…1111) and visited the other 王先生 on her list (139…2222):
    the plan read as kept."""
    previous = WeeklyReview.objects.create(
        author=org.am,
        region=org.region,
        week_start=WEEK - datetime.timedelta(weeks=1),
        status="reviewed",
        reviewed_by=org.rm,
    )
    planned = f.ProspectFactory(owner=org.am, name="王先生", phone="13900001111")
    namesake = f.ProspectFactory(owner=org.am, name="王先生", phone="13900002222")
    typed = f.ProspectFactory(owner=org.am, name="李女士")
    previous.planned_visits.create(prospect=planned, customer=planned.name)
    previous.planned_visits.create(prospect=typed, customer=typed.name)
    previous.planned_visits.create(customer="王先生")  # by name alone: either is him
    log = write_log(org.am, org.region, D(2026, 11, 17))
    f.VisitRecordFactory(log=log, prospect=namesake, customer="王先生")
    f.VisitRecordFactory(log=log, customer="李女士")  # typed, not picked from the list
    response = client_for(org.am).get(reverse("planning:weekly_edit", kwargs={"week": WEEK}))
    assert [c.happened for c in response.context["visit_checks"]] == [False, True, True]


def test_a_planned_name_typed_full_width_or_with_a_space_still_matches(org, client_for):
    """QA: the plan said 嘉禾4S店, the log 嘉禾４Ｓ店 (a Chinese keyboard's full-width mode)
    or 嘉禾 4S店: the visit counted as not made."""
    previous = WeeklyReview.objects.create(
        author=org.am,
        region=org.region,
        week_start=WEEK - datetime.timedelta(weeks=1),
        status="reviewed",
        reviewed_by=org.rm,
    )
    for name in ("嘉禾4S店", "ABC车队", "城西驾校", "东方酒店"):
        previous.planned_visits.create(customer=name)
    log = write_log(org.am, org.region, D(2026, 11, 17))
    for name in ("嘉禾４Ｓ店", "abc 车队", "城西　驾校", "东方"):
        f.VisitRecordFactory(log=log, customer=name)
    response = client_for(org.am).get(reverse("planning:weekly_edit", kwargs={"week": WEEK}))
    checks = {c.planned.customer: c.happened for c in response.context["visit_checks"]}
    assert checks == {"嘉禾4S店": True, "ABC车队": True, "城西驾校": True, "东方酒店": False}


def test_monthly_sheet_submit_and_agree(org, client_for):
    metrics = list(Metric.objects.filter(is_active=True))
    month = D(2026, 11, 1)
    with time_machine.travel(FRIDAY, tick=False):
        data = {f"metric_{m.pk}": "50" for m in metrics} | {
            "focus_items": "车队统保",
            "submit": "1",
        }
        response = client_for(org.am).post(
            reverse("planning:monthly_edit", kwargs={"month": month}), data
        )
        sheet = MonthlyGoalSheet.objects.get()
        assert response.url == reverse("planning:monthly_detail", kwargs={"pk": sheet.pk})
        agree = {f"metric_{m.pk}": "60" for m in metrics} | {"comment": "可以再高一点"}
        client_for(org.rm).post(reverse("planning:monthly_agree", kwargs={"pk": sheet.pk}), agree)
    sheet.refresh_from_db()
    assert sheet.status == "agreed"
    assert set(
        Target.objects.filter(user=org.am, period_start=month).values_list("value", flat=True)
    ) == {60}


def test_a_refused_agreement_keeps_what_the_rm_typed(org, client_for):
    """QA: one cleared box sent the RM back to the AM's numbers with an empty comment; a
    second click agreed 拜访 138 where the RM had typed 161."""
    metrics = list(Metric.objects.filter(is_active=True).order_by("order", "pk"))
    month = D(2026, 11, 1)
    with time_machine.travel(FRIDAY, tick=False):
        data = {f"metric_{m.pk}": "138" for m in metrics} | {"focus_items": "", "submit": "1"}
        client_for(org.am).post(reverse("planning:monthly_edit", kwargs={"month": month}), data)
        sheet = MonthlyGoalSheet.objects.get()
        agree = {f"metric_{m.pk}": "161" for m in metrics} | {"comment": "拜访按每天7次定"}
        agree[f"metric_{metrics[1].pk}"] = ""  # cleared, about to be retyped
        response = client_for(org.rm).post(
            reverse("planning:monthly_agree", kwargs={"pk": sheet.pk}), agree
        )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="161"' in html and "拜访按每天7次定" in html and "is-invalid" in html
    sheet.refresh_from_db()
    assert sheet.status == "submitted"


def test_monthly_sheet_is_prefilled_from_the_cascade(org, client_for):
    Target.objects.create(
        user=org.am,
        metric=metric("visits"),
        period_kind="month",
        period_start=D(2026, 11, 1),
        value=123,
        updated_by=org.rm,
    )
    with time_machine.travel(FRIDAY, tick=False):
        response = client_for(org.am).get(
            reverse("planning:monthly_edit", kwargs={"month": D(2026, 11, 1)})
        )
    assert response.context["form"][f"metric_{metric('visits').pk}"].value() == 123
    assert "已预先填入您本月的目标。" in response.content.decode()


def test_januarys_sheet_scales_decembers_figures_to_its_working_days(org, client_for):
    """21 December 2026: the AM opens January's goal sheet. December (23 working days) was
    agreed at 115 visits; January 2027 has 20 (元旦 off). Copied as they were, December's
    figures asked 15 % more a day and the AM started January behind pace."""
    from planning.models import MonthlyGoalLine, SheetStatus

    december = MonthlyGoalSheet.objects.create(
        author=org.am, region=org.region, month=D(2026, 12, 1), status=SheetStatus.AGREED
    )
    MonthlyGoalLine.objects.create(
        sheet=december, metric=metric("visits"), proposed=120, agreed=115
    )
    MonthlyGoalLine.objects.create(sheet=december, metric=metric("closings"), proposed=7)
    with time_machine.travel(datetime.datetime(2026, 12, 21, 2, tzinfo=datetime.UTC), tick=False):
        response = client_for(org.am).get(
            reverse("planning:monthly_edit", kwargs={"month": D(2027, 1, 1)})
        )
    form = response.context["form"]
    assert form[f"metric_{metric('visits').pk}"].value() == 100  # 115 × 20 / 23
    assert form[f"metric_{metric('closings').pk}"].value() == 6  # 7 × 20 / 23 = 6.09
    html = response.content.decode()
    assert "已按工作日折算填入上月确认的数字（上月 23 个工作日，本月 20 个）" in html


def test_a_first_goal_sheet_does_not_claim_to_be_prefilled(org, client_for):
    """QA (a new branch): "已预先填入您的月目标；没有月目标时填入上月数据" above empty boxes."""
    with time_machine.travel(FRIDAY, tick=False):
        response = client_for(org.am).get(
            reverse("planning:monthly_edit", kwargs={"month": D(2026, 11, 1)})
        )
    html = response.content.decode()
    assert "请拟定该月目标" in html and "填入" not in html


def test_month_targets_revision_needs_a_reason(org, client_for):
    url = reverse("planning:month_targets", kwargs={"user_id": org.am.pk, "month": D(2026, 11, 1)})
    counts = {f"metric_{m.pk}": "10" for m in Metric.objects.all()}
    client = client_for(org.rm)
    assert client.post(url, counts).status_code == 302
    response = client.post(url, counts | {f"metric_{metric('visits').pk}": "12"})
    assert response.status_code == 200 and "reason" in response.context["form"].errors
    # A pasted zero-width space alone is no reason.
    response = client.post(
        url, counts | {f"metric_{metric('visits').pk}": "12", "reason": "\u200b"}
    )
    assert response.status_code == 200 and "reason" in response.context["form"].errors
    assert (
        client.post(
            url, counts | {f"metric_{metric('visits').pk}": "12", "reason": "客户增多"}
        ).status_code
        == 302
    )
    revision = TargetRevision.objects.get(reason="客户增多")
    assert (revision.old_value, revision.new_value, revision.changed_by) == (10, 12, org.rm)
    history = client.get(url).content.decode()
    assert "客户增多" in history and "10 → <strong>12</strong>" in history


def test_breakdown_propose_check_and_save(org, client_for):
    url = (
        reverse("planning:breakdown_region", kwargs={"region_id": org.region.pk, "year": 2026})
        + "?metric=visits"
    )
    client = client_for(org.rm)
    response = client.post(url, {"year_2026-01-01": "2400", "action": "propose"})
    form = response.context["form"]
    rules = BranchRules()
    expected = periods.propose(2026, 2400, lambda k, s: rules.count(s, periods.period_end(k, s)))
    assert form["quarter_2026-07-01"].value() == str(expected[("quarter", D(2026, 7, 1))])
    assert form["week_2026-10-05"].value() == str(expected[("week", D(2026, 10, 5))])
    assert response.context["mismatches"] == []
    data = {name: form[name].value() or "" for name in form.fields}
    data["month_2026-08-01"] = str(int(data["month_2026-08-01"]) + 5)
    response = client.post(url, data | {"action": "save"})
    assert response.status_code == 200
    assert {m.parent for m in response.context["mismatches"]} == {
        ("quarter", D(2026, 7, 1)),
        ("month", D(2026, 8, 1)),
    }
    assert b'data-testid="mismatch"' in response.content
    assert not Target.objects.exists()
    data["month_2026-08-01"] = str(int(data["month_2026-08-01"]) - 5)
    assert client.post(url, data | {"action": "save"}).status_code == 302
    assert Target.objects.filter(region=org.region).count() == 1 + 4 + 12 + 52


def test_region_target_is_the_sum_of_its_ams_unless_set(org, client_for):
    for user, value in ((org.am, 100), (org.peer_am, 50)):
        Target.objects.create(
            user=user,
            metric=metric("visits"),
            period_kind="month",
            period_start=D(2026, 11, 1),
            value=value,
            updated_by=org.rm,
        )
    url = reverse("planning:region", kwargs={"region_id": org.region.pk}) + "?start=2026-11-01"
    with time_machine.travel(FRIDAY, tick=False):
        response = client_for(org.rm).get(url)
    line = next(
        line for line in response.context["plan"].total.lines if line.metric.code == "visits"
    )
    assert (line.target, line.source) == (150, "members")
    Target.objects.create(
        region=org.region,
        metric=metric("visits"),
        period_kind="month",
        period_start=D(2026, 11, 1),
        value=200,
        updated_by=org.rm,
    )
    with time_machine.travel(FRIDAY, tick=False):
        response = client_for(org.rm).get(url)
    line = next(
        line for line in response.context["plan"].total.lines if line.metric.code == "visits"
    )
    assert (line.target, line.source) == (200, "explicit")


@pytest.mark.usefixtures("friday")
def test_region_target_counts_each_member_for_their_share_of_the_month(org, client_for):
    """A mover's whole month counted in both regions, and someone who left on the
    month's first day (a Sunday) showed up as a member at 0 %, at risk."""
    for user, value in ((org.am, 100), (org.peer_am, 50), (org.outsider_am, 42)):
        Target.objects.create(
            user=user,
            metric=metric("visits"),
            period_kind="month",
            period_start=D(2026, 11, 1),
            value=value,
            updated_by=org.rm,
        )
    membership_end(user=org.peer_am, end_date=D(2026, 11, 1))
    # In from Monday the 16th: 11 of November's 21 working days, 42 × 11/21 = 22.
    membership_move(user=org.outsider_am, region=org.region, start_date=D(2026, 11, 16))
    url = reverse("planning:region", kwargs={"region_id": org.region.pk}) + "?start=2026-11-01"
    plan = client_for(org.rm).get(url).context["plan"]
    total = next(line for line in plan.total.lines if line.metric.code == "visits")
    assert (total.target, total.source) == (100 + 22, "members")
    rows = {row.member: row for row in plan.rows}
    assert org.peer_am not in rows
    mover = next(line for line in rows[org.outsider_am].sheet.lines if line.metric.code == "visits")
    assert mover.target == 22


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def _add_am_with_data(org, n):
    am = f.member(org.region, name=f"新人{n}")
    _week_target(org, "visits", 20, user=am)
    write_log(am, org.region, D(2026, 11, 17), visits=5, leaflets=10)
    return am


def test_region_plan_queries_do_not_grow_with_ams_or_metrics(
    org, client_for, django_assert_max_num_queries
):
    url = (
        reverse("planning:region", kwargs={"region_id": org.region.pk})
        + "?period=week&start=2026-11-16"
    )
    client = client_for(org.rm)
    with time_machine.travel(FRIDAY, tick=False):
        _add_am_with_data(org, 0)
        few = _count_queries(client, url)
        for n in range(1, 8):
            _add_am_with_data(org, n)
        for n in range(5):
            Metric.objects.create(code=f"extra{n}", name=f"指标{n}", order=100 + n)
        many = _count_queries(client, url)
        # Budget: session + user (2), region (1), members (1), calendar ×2 (4), metrics (1),
        # targets (1), actuals (1), weekly reviews (1), trend: metrics, memberships,
        # calendar, targets, actuals (6), plus nav/template lookups.
        with django_assert_max_num_queries(22):
            client.get(url)
    assert many == few


def test_weekly_review_queries_do_not_grow_with_metrics(
    org, client_for, django_assert_max_num_queries
):
    url = reverse("planning:weekly_edit", kwargs={"week": WEEK})
    client = client_for(org.am)
    with time_machine.travel(FRIDAY, tick=False):
        write_log(org.am, org.region, D(2026, 11, 17), visits=5)
        few = _count_queries(client, url)
        for n in range(6):
            Metric.objects.create(code=f"extra{n}", name=f"指标{n}", order=100 + n)
            _week_target(org, f"extra{n}", 3)
        many = _count_queries(client, url)
        # Budget: session + user (2), membership (1), own review (1), this week's and next
        # week's sheets (2 × calendar 2 + settings + metrics + targets + actuals), prospects,
        # last week's review, the RM's comments, deadline settings, nav.
        with django_assert_max_num_queries(24):
            client.get(url)
    assert many == few


@pytest.mark.usefixtures("friday")
def test_review_keeps_what_was_submitted_and_flags_later_log_changes(org, client_for):
    from planning import services

    _week_target(org, "visits", 10)
    write_log(org.am, org.region, D(2026, 11, 16), visits=12)
    review = services.weekly_review_save(
        author=org.am,
        week=WEEK,
        fields={},
        lines=[services.ReviewLineInput(metric("visits").pk)],
        planned_visits=[],
        short_metric_ids=[],
        submit=True,
    )
    line = review.lines.get()
    assert (line.target_at_submit, line.actual_at_submit) == (10, 12)
    url = reverse("planning:weekly_detail", kwargs={"pk": review.pk})
    assert b"changed-since-submit" not in client_for(org.rm).get(url).content
    write_log(org.am, org.region, D(2026, 11, 17), visits=3)  # a late log for that week
    assert b"changed-since-submit" in client_for(org.rm).get(url).content


@pytest.mark.usefixtures("friday")
def test_a_reviewed_review_flags_a_target_changed_since_it_was_submitted(org, client_for):
    """QA (a new branch): a holiday added after the review was signed took its 拜访 标准
    from 11 to 8 with no mark, while the AM's cause argued about the old gap."""
    from planning import services

    _week_target(org, "visits", 10)
    review = services.weekly_review_save(
        author=org.am,
        week=WEEK,
        fields={},
        lines=[services.ReviewLineInput(metric("visits").pk, cause="周一还没开通系统")],
        planned_visits=[],
        short_metric_ids=[],
        submit=True,
    )
    url = reverse("planning:weekly_detail", kwargs={"pk": review.pk})
    assert b"target-at-submit" not in client_for(org.rm).get(url).content
    Target.objects.filter(metric=metric("visits")).update(value=8)
    html = client_for(org.rm).get(url).content.decode()
    assert 'data-testid="target-at-submit">提交时为 10</div>' in html


@pytest.mark.usefixtures("friday")
def test_reviewing_a_weekly_review_notifies_its_author_once(org, client_for):
    from activity.models import Notification, NotificationKind

    review = WeeklyReview.objects.create(
        author=org.am, region=org.region, week_start=WEEK, status="submitted"
    )
    url = reverse("planning:weekly_review", kwargs={"pk": review.pk})
    client = client_for(org.rm)
    assert client.post(url, {"coaching_note": "先约车队客户"}).status_code == 302
    assert client.post(url, {"coaching_note": "先约车队客户"}).status_code == 302  # double click
    (notice,) = Notification.objects.all()
    assert (notice.recipient, notice.kind, notice.body) == (
        org.am,
        NotificationKind.WEEKLY_REVIEWED,
        "先约车队客户",
    )
    assert notice.url == reverse("planning:weekly_detail", kwargs={"pk": review.pk})
    bell = client_for(org.am).get(reverse("activity:notifications"))
    assert "先约车队客户" in bell.content.decode()


@pytest.mark.usefixtures("friday")
def test_a_too_long_coaching_note_shows_its_error_and_is_kept(org, client_for):
    review = WeeklyReview.objects.create(
        author=org.am, region=org.region, week_start=WEEK, status="submitted"
    )
    note = "多" * (FREE_TEXT_MAX_LENGTH + 500)
    response = client_for(org.rm).post(
        reverse("planning:weekly_review", kwargs={"pk": review.pk}), {"coaching_note": note}
    )
    assert response.status_code == 200
    errors = response.context["coaching_form"].errors["coaching_note"]
    assert str(FREE_TEXT_MAX_LENGTH) in errors[0] and str(len(note)) in errors[0]
    html = response.content.decode()
    assert note in html and 'data-testid="coaching-error"' in html
    assert "请填写辅导意见" not in html
    # Said at the top too: the note's box is at the bottom of a long review.
    assert html.index('data-testid="form-errors"') < html.index('data-testid="review-table"')
    review.refresh_from_db()
    assert review.status == "submitted" and review.coaching_note == ""


@pytest.mark.usefixtures("friday")
def test_an_empty_coaching_note_asks_for_one(org, client_for):
    review = WeeklyReview.objects.create(
        author=org.am, region=org.region, week_start=WEEK, status="submitted"
    )
    response = client_for(org.rm).post(
        reverse("planning:weekly_review", kwargs={"pk": review.pk}), {"coaching_note": ""}
    )
    assert response.status_code == 200
    assert "请填写辅导意见" in response.content.decode()


def _month_targets_url(person, month):
    return reverse("planning:month_targets", kwargs={"user_id": person.pk, "month": month})


@pytest.mark.usefixtures("friday")
def test_month_targets_link_to_the_previous_and_next_month(org, client_for):
    client = client_for(org.rm)
    page = client.get(_month_targets_url(org.am, D(2026, 11, 1)))
    html = page.content.decode()
    assert f'href="{_month_targets_url(org.am, D(2026, 10, 1))}"' in html
    assert f'href="{_month_targets_url(org.am, D(2026, 12, 1))}"' in html
    # Next month is as far as the links go: its page links back but not further on.
    html = client.get(_month_targets_url(org.am, D(2026, 12, 1))).content.decode()
    assert f'href="{_month_targets_url(org.am, D(2026, 11, 1))}"' in html
    assert 'data-testid="month-next"' not in html
    assert _month_targets_url(org.am, D(2027, 1, 1)) not in html


def test_month_targets_reach_december_on_the_last_day_of_november(org, client_for):
    # 30 November 2026, 17:00 in Shanghai: the manager prepares December.
    with time_machine.travel(datetime.datetime(2026, 11, 30, 9, 0, tzinfo=datetime.UTC)):
        client = client_for(org.rm)
        member = client.get(reverse("planning:member", kwargs={"user_id": org.am.pk}))
        assert _month_targets_url(org.am, D(2026, 11, 30)) in member.content.decode()
        html = client.get(_month_targets_url(org.am, D(2026, 11, 1))).content.decode()
        december = _month_targets_url(org.am, D(2026, 12, 1))
        assert f'href="{december}"' in html
        counts = {f"metric_{m.pk}": "20" for m in Metric.objects.all()}
        assert client.post(december, counts).status_code == 302
    assert Target.objects.filter(user=org.am, period_start=D(2026, 12, 1)).count() == len(counts)


@pytest.mark.usefixtures("friday")
def test_the_region_page_names_ams_without_a_target(org, client_for):
    """The region's target is the sum of its AMs' targets; an AM without one still adds
    their visits to its actual, and 90 % read where like for like was 80 %."""
    Target.objects.create(
        user=org.am,
        metric=metric("visits"),
        period_kind="month",
        period_start=D(2026, 11, 1),
        value=100,
        updated_by=org.rm,
    )
    url = reverse("planning:region", kwargs={"region_id": org.region.pk}) + "?start=2026-11-01"
    response = client_for(org.rm).get(url)
    without = response.context["plan"].members_without_target
    assert org.peer_am in without and org.am not in without
    assert org.peer_am.name in response.content.decode().split('members-without-target"')[1]
    Target.objects.create(
        region=org.region,
        metric=metric("visits"),
        period_kind="month",
        period_start=D(2026, 11, 1),
        value=200,
        updated_by=org.rm,
    )
    # A target set for the region itself covers everyone: nothing to say.
    assert client_for(org.rm).get(url).context["plan"].members_without_target == []


@pytest.mark.usefixtures("friday")
def test_next_weeks_target_stops_at_a_weeks_worth_and_the_visit_plan_starts_from_it(
    org, client_for
):
    """QA saved 9,999,999 as one AM's next-week target, and the visit plan said 0 beside a
    visits target of 29."""
    visits = metric("visits")
    response = client_for(org.am).post(
        reverse("planning:weekly_edit", kwargs={"week": WEEK}),
        _review_data(**{f"next_{visits.pk}": "9999999"}),
    )
    assert f"next_{visits.pk}" in response.context["form"].errors
    assert not WeeklyReview.objects.exists()
    _week_target(org, "visits", 29)
    Target.objects.filter(metric=visits).update(period_start=WEEK + datetime.timedelta(weeks=1))
    form = client_for(org.am).get(reverse("planning:weekly_edit", kwargs={"week": WEEK}))
    assert form.context["form"].initial["planned_visit_count"] == 29


def test_the_am_plan_offers_last_weeks_review_and_next_months_sheet(org, client_for):
    url = reverse("planning:member", kwargs={"user_id": org.am.pk})
    # Monday 30 November: last week's review is not written; next month is near.
    with time_machine.travel(datetime.datetime(2026, 11, 30, 2, tzinfo=datetime.UTC), tick=False):
        html = client_for(org.am).get(url).content.decode()
        assert reverse("planning:weekly_edit", kwargs={"week": D(2026, 11, 23)}) in html
        assert reverse("planning:monthly_edit", kwargs={"month": D(2026, 12, 1)}) in html
        # A manager's view of the AM offers neither.
        html = client_for(org.rm).get(url).content.decode()
        assert 'data-testid="last-week-link"' not in html
        assert 'data-testid="next-month-link"' not in html
    WeeklyReview.objects.create(
        author=org.am, region=org.region, week_start=D(2026, 11, 23), status="submitted"
    )
    with time_machine.travel(datetime.datetime(2026, 11, 30, 2, tzinfo=datetime.UTC), tick=False):
        assert 'data-testid="last-week-link"' not in client_for(org.am).get(url).content.decode()
    with time_machine.travel(datetime.datetime(2026, 11, 10, 2, tzinfo=datetime.UTC), tick=False):
        assert 'data-testid="next-month-link"' not in client_for(org.am).get(url).content.decode()


def test_the_breakdown_tells_a_reader_who_sets_the_targets(org, client_for):
    url = reverse("planning:breakdown_region", kwargs={"region_id": org.region.pk, "year": 2026})
    admin = client_for(org.admin).get(url).content.decode()
    assert 'data-testid="read-only"' in admin and "点击" not in admin.split("breakdown-form")[0]
    assert 'data-testid="read-only"' not in client_for(org.rm).get(url).content.decode()


# Tuesday 1 December 2026, 10:00 in Shanghai.
TUESDAY_1_DEC = datetime.datetime(2026, 12, 1, 2, 0, tzinfo=datetime.UTC)


def test_someone_who_joined_this_week_is_not_offered_last_weeks_review(org, client_for):
    """Re-test QA: an AM who joined on 1 December was offered 上周检讨, a 403."""
    joiner = f.UserFactory(name="安新")
    f.MembershipFactory(user=joiner, region=org.region, start_date=D(2026, 12, 1))
    url = reverse("planning:member", kwargs={"user_id": joiner.pk})
    with time_machine.travel(TUESDAY_1_DEC, tick=False):
        html = client_for(joiner).get(url).content.decode()
    assert 'data-testid="last-week-link"' not in html
    assert 'data-testid="weekly-link"' in html


# 春节 2026: Sunday 15 to Monday 23 February off, the whole week of the 16th with it.
FESTIVAL_WEEK = D(2026, 2, 16)


def test_a_week_off_owes_no_review_but_one_may_be_written(org, client_for):
    """QA: after 春节 the plan page offered 上周检讨 of a week with no working day."""
    plan = reverse("planning:member", kwargs={"user_id": org.am.pk})
    review_url = reverse("planning:weekly_edit", kwargs={"week": FESTIVAL_WEEK})
    client = client_for(org.am)
    # Tuesday 24 February, the first working day after it.
    with time_machine.travel(datetime.datetime(2026, 2, 24, 2, tzinfo=datetime.UTC), tick=False):
        html = client.get(plan).content.decode()
        assert 'data-testid="last-week-link"' not in html and review_url not in html
        assert 'data-testid="weekly-link"' in html
        # Opened by its address, it says nothing is due rather than a deadline.
        page = client.get(review_url)
        assert page.status_code == 200 and 'data-testid="not-owed"' in page.content.decode()
    # Written a week later, it is not late: nothing was owed.
    with time_machine.travel(datetime.datetime(2026, 3, 3, 2, tzinfo=datetime.UTC), tick=False):
        response = client.post(review_url, _review_data(submit="1"))
        review = WeeklyReview.objects.get(week_start=FESTIVAL_WEEK)
        assert response.url == reverse("planning:weekly_detail", kwargs={"pk": review.pk})
        assert review.status == "submitted" and not review.is_late
    # The week before it had working days: offered, with its deadline, as any week.
    with time_machine.travel(datetime.datetime(2026, 2, 17, 2, tzinfo=datetime.UTC), tick=False):
        html = client.get(plan).content.decode()
        assert 'data-testid="last-week-link"' in html
        page = client.get(reverse("planning:weekly_edit", kwargs={"week": D(2026, 2, 9)}))
        assert 'data-testid="not-owed"' not in page.content.decode()


def test_the_expected_to_date_is_a_whole_number_like_the_other_cells(org, client_for):
    Target.objects.create(
        user=org.am,
        metric=metric("visits"),
        period_kind=PeriodKind.WEEK,
        period_start=D(2026, 11, 30),
        value=203,
        updated_by=org.rm,
    )
    write_log(org.am, org.region, D(2026, 11, 30), visits=40)
    url = reverse("planning:region", kwargs={"region_id": org.region.pk})
    with time_machine.travel(TUESDAY_1_DEC, tick=False):
        response = client_for(org.rm).get(url, {"period": "week", "start": "2026-12-01"})
    total = next(
        line for line in response.context["plan"].total.lines if line.metric.code == "visits"
    )
    # One of the week's five working days has ended: 203 / 5 = 40.6, a count rounds to 41,
    # and the pace is judged against the 41 on the page.
    assert (total.expected, total.pace) == (41, "behind")
    assert "40.6" not in response.content.decode()


def test_a_month_that_is_over_is_headed_as_the_whole_month(org, client_for):
    from django.utils.html import escape
    from django.utils.translation import gettext

    sheet = MonthlyGoalSheet.objects.create(
        author=org.am, region=org.region, month=D(2026, 11, 1), status="agreed"
    )
    url = reverse("planning:monthly_detail", kwargs={"pk": sheet.pk})
    whole_month = escape(gettext("The whole month (from the logs)"))
    so_far = escape(gettext("The month so far (from the logs)"))
    with time_machine.travel(FRIDAY, tick=False):
        html = client_for(org.am).get(url).content.decode()
    assert so_far in html and whole_month not in html
    with time_machine.travel(TUESDAY_1_DEC, tick=False):
        html = client_for(org.am).get(url).content.decode()
    assert whole_month in html and so_far not in html


@pytest.mark.usefixtures("friday")
def test_the_weeks_log_comments_leave_out_return_reasons(org, client_for):
    reason = "拜访记录只有1条，请补充第2次拜访的客户"
    # Returned, corrected and signed off without a comment: the reason stays on the log.
    corrected = write_log(org.am, org.region, D(2026, 11, 16), status=LogStatus.SIGNED_OFF)
    corrected.return_reason = reason
    corrected.save()
    commented = write_log(org.am, org.region, D(2026, 11, 17), status=LogStatus.SIGNED_OFF)
    commented.manager_comment = "留电话要及时回访"
    commented.save()
    still_returned = write_log(org.am, org.region, D(2026, 11, 18), status=LogStatus.RETURNED)
    still_returned.return_reason = "请补充客户需求"
    still_returned.save()
    review = WeeklyReview.objects.create(
        author=org.am, region=org.region, week_start=WEEK, status="submitted"
    )
    url = reverse("planning:weekly_detail", kwargs={"pk": review.pk})
    for user in (org.rm, org.am):
        page = client_for(user).get(url)
        assert list(page.context["comments"]) == [commented]
        html = page.content.decode()
        assert "留电话要及时回访" in html
        assert reason not in html and "请补充客户需求" not in html


def test_a_late_review_tells_the_rm_its_targets_for_a_finished_week_were_not_set(org, client_for):
    review = WeeklyReview.objects.create(
        author=org.am, region=org.region, week_start=WEEK, status="submitted"
    )
    review.lines.create(metric=metric("visits"), next_week_target=30)
    with time_machine.travel(datetime.datetime(2026, 12, 1, 2, 0, tzinfo=datetime.UTC)):
        response = client_for(org.rm).post(
            reverse("planning:weekly_review", kwargs={"pk": review.pk}),
            {"coaching_note": "下周补上"},
            follow=True,
        )
    shown = [str(m) for m in response.context["messages"]]
    assert any("已经结束" in m for m in shown), shown
    assert not Target.objects.filter(user=org.am, period_kind=PeriodKind.WEEK).exists()


def test_the_rm_reads_each_ams_visit_plan_on_the_weeks_region_page(org, client_for):
    """QA (a new branch): the AM's plan for next week (计划拜访 15 次: …) was only inside
    last week's review; the region's page of that week said nothing of it. A draft
    review is not a plan yet."""
    planned = WeeklyReview.objects.create(
        author=org.am,
        region=org.region,
        week_start=WEEK,
        status="submitted",
        planned_visit_count=15,
    )
    WeeklyReview.objects.create(
        author=org.peer_am, region=org.region, week_start=WEEK, planned_visit_count=9
    )
    url = reverse("planning:region", kwargs={"region_id": org.region.pk})
    next_week = WEEK + datetime.timedelta(days=7)
    with time_machine.travel(FRIDAY + datetime.timedelta(days=7), tick=False):
        html = client_for(org.rm).get(url, {"period": "week", "start": next_week}).content
    html = html.decode()
    link = reverse("planning:weekly_detail", kwargs={"pk": planned.pk}) + "#visit-plan"
    assert f'<a href="{link}">计划拜访 15 次</a>' in html
    assert "计划拜访 9 次" not in html
    cells = html.count('data-testid="visit-plan"')
    assert html.count('data-testid="visit-plan"><span class="text-muted">—') == cells - 1


def test_week_53s_review_proposes_a_five_day_week_1_from_its_four_days(org, client_for):
    """Thursday 31 December 2026: the AM writes week 53's review (元旦 on its Friday, four
    working days). December was agreed at 115 visits (5 a working day); January's sheet is
    not agreed yet, so week 1 of 2027 has no target and its default is week 53's: 20
    visits for five days instead of 25."""
    Target.objects.create(
        user=org.am,
        metric=metric("visits"),
        period_kind="month",
        period_start=D(2026, 12, 1),
        value=115,
        updated_by=org.rm,
    )
    with time_machine.travel(datetime.datetime(2026, 12, 31, 2, tzinfo=datetime.UTC), tick=False):
        response = client_for(org.am).get(
            reverse("planning:weekly_edit", kwargs={"week": D(2026, 12, 28)})
        )
    form = response.context["form"]
    assert [
        line.target for line in response.context["sheet"].lines if line.metric.code == "visits"
    ] == [20]
    assert form[f"next_{metric('visits').pk}"].value() == 25
    assert form["planned_visit_count"].value() == 25


@pytest.mark.usefixtures("friday")
@pytest.mark.parametrize(
    ("period", "before", "after"), [("month", "上个月", "下个月"), ("week", "上一周", "下一周")]
)
def test_the_region_plans_arrows_say_where_they_lead(org, client_for, period, before, after):
    """Sweep: a screen reader read the region plan's ← and → as bare arrows."""
    url = reverse("planning:region", kwargs={"region_id": org.region.pk})
    html = client_for(org.rm).get(url + f"?period={period}").content.decode()
    assert f'aria-label="{before}">&larr;</a>' in html
    assert f'aria-label="{after}">&rarr;</a>' in html


def test_the_region_plan_and_pace_cards_link_only_people_the_reader_may_open(client_for, org):
    """Someone who left this month, and someone who moved to another branch's region, are
    still listed for their days here; their plan pages are 404s to this RM, so their
    names are not links (QA's walk of the RM's pages met both)."""
    with time_machine.travel(FRIDAY, tick=False):  # mid-month: both have days here
        today = timezone.localdate()
        # 李四 handed in today's log and left: today is her last day in 东.
        f.DailyLogFactory(
            author=org.peer_am, region=org.region, date=today, status=LogStatus.SUBMITTED
        )
        user_deactivate(user=org.peer_am, day=today)
        membership_move(user=org.outsider_am, region=org.foreign_region, start_date=today)
        # 王五 moved from 西: the area manager reads 西's plan, the move took him out of reach.
        pages = {
            "region": (org.rm, reverse("planning:region", args=[org.region.pk])),
            "queue": (org.rm, reverse("activity:queue")),
            "index": (org.rm, reverse("planning:index")),
            "other_region": (
                org.area_manager,
                reverse("planning:region", args=[org.other_region.pk]),
            ),
        }
        for page, (reader, url) in pages.items():
            response = client_for(reader).get(url)
            html = response.content.decode()
            links = {int(pk) for pk in re.findall(r'href="/plan/people/(\d+)/"', html)}
            for pk in links:
                assert client_for(reader).get(f"/plan/people/{pk}/").status_code == 200, (page, pk)
            if page == "other_region":
                assert org.outsider_am.pk not in links
                assert org.outsider_am.name in html
            else:
                assert org.am.pk in links, page
                assert org.peer_am.pk not in links and org.peer_am.name in html, page


def test_an_am_s_metric_behind_pace_is_marked_by_more_than_a_tint(org, client_for):
    """In the region's table of AMs a metric behind pace was told by a pale yellow cell
    alone: nothing for a screen reader, nor for an eye that does not tell it from white."""
    for code, value in (("visits", 100), ("leaflets", 10)):
        Target.objects.create(
            user=org.am,
            metric=metric(code),
            period_kind="month",
            period_start=D(2026, 11, 1),
            value=value,
            updated_by=org.rm,
        )
    write_log(org.am, org.region, D(2026, 11, 2), visits=1, leaflets=10)
    url = reverse("planning:region", kwargs={"region_id": org.region.pk}) + "?start=2026-11-01"
    with time_machine.travel(FRIDAY, tick=False):
        html = client_for(org.rm).get(url).content.decode()
    behind = re.search(r'data-testid="behind-visits">(.*?)</td>', html, re.S).group(1)
    assert '<span class="text-danger-emphasis" aria-hidden="true">▼</span>' in behind
    assert re.search(r'<span class="visually-hidden">(进度落后|有风险)</span>', behind)
    assert 'data-testid="behind-leaflets"' not in html  # 10 of 10: on track
