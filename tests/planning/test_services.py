import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from planning import periods, services
from planning.calendar import BranchRules
from planning.models import (
    MonthlyGoalSheet,
    PeriodKind,
    ReviewStatus,
    SheetStatus,
    Target,
    TargetRevision,
    WeeklyReview,
)
from planning.services import ReviewLineInput, SheetTransitionError
from tests.planning.helpers import metric

D = datetime.date


def test_target_revision_keeps_the_history(org):
    visits = metric("visits")
    kwargs = dict(user=org.am, metric_id=visits.pk, kind=PeriodKind.MONTH, start=D(2026, 11, 1))
    services.target_set(actor=org.rm, value=100, reason="", **kwargs)
    _target, changed = services.target_set(actor=org.rm, value=100, reason="", **kwargs)
    assert not changed
    services.target_set(actor=org.branch_head, value=80, reason="市场变化", **kwargs)
    target = Target.objects.get()
    assert target.value == 80
    history = list(target.revisions.values_list("old_value", "new_value", "reason", "changed_by"))
    assert history == [(100, 80, "市场变化", org.branch_head.pk), (None, 100, "", org.rm.pk)]


def _proposal(year, annual):
    rules = BranchRules()
    return periods.propose(year, annual, lambda k, s: rules.count(s, periods.period_end(k, s)))


def test_breakdown_refuses_totals_that_do_not_reconcile(org):
    values = _proposal(2026, 1200)
    values[("week", D(2026, 3, 2))] += 1
    with pytest.raises(ValidationError):
        services.breakdown_save(
            actor=org.rm,
            metric=metric("visits"),
            year=2026,
            values=values,
            reason="",
            region=org.region,
        )
    assert not Target.objects.exists()


def test_breakdown_saves_every_level_and_revisions_need_a_reason(org):
    values = _proposal(2026, 1200)
    count = services.breakdown_save(
        actor=org.rm, metric=metric("visits"), year=2026, values=values, reason="", user=org.am
    )
    assert count == len(values) == Target.objects.filter(user=org.am).count()
    changed = dict(values)
    changed[("year", D(2026, 1, 1))] = 1300
    changed[("quarter", D(2026, 10, 1))] += 100
    changed[("month", D(2026, 12, 1))] += 100
    changed[("week", D(2026, 12, 7))] += 100
    with pytest.raises(ValidationError):
        services.breakdown_save(
            actor=org.rm,
            metric=metric("visits"),
            year=2026,
            values=changed,
            reason=" ",
            user=org.am,
        )
    assert (
        services.breakdown_save(
            actor=org.rm,
            metric=metric("visits"),
            year=2026,
            values=changed,
            reason="新增车队客户",
            user=org.am,
        )
        == 4
    )
    assert (
        TargetRevision.objects.filter(reason="新增车队客户", old_value__isnull=False).count() == 4
    )


def test_agreed_monthly_sheet_becomes_the_monthly_target(org):
    visits, closings = metric("visits"), metric("closings")
    sheet = services.monthly_sheet_save(
        author=org.am,
        month=D(2026, 11, 1),
        proposed={visits.pk: 100, closings.pk: 10},
        focus_items="车队客户",
        submit=True,
    )
    assert sheet.status == SheetStatus.SUBMITTED and sheet.region == org.region
    with pytest.raises(SheetTransitionError):
        services.monthly_sheet_save(
            author=org.am, month=D(2026, 11, 1), proposed={}, focus_items="", submit=False
        )
    services.monthly_sheet_agree(
        sheet=sheet, actor=org.rm, agreed={visits.pk: 120, closings.pk: 10}, comment="再加一点"
    )
    sheet.refresh_from_db()
    assert (sheet.status, sheet.agreed_by, sheet.manager_comment) == (
        SheetStatus.AGREED,
        org.rm,
        "再加一点",
    )
    targets = dict(
        Target.objects.filter(user=org.am, period_kind="month").values_list("metric_id", "value")
    )
    assert targets == {visits.pk: 120, closings.pk: 10}
    assert TargetRevision.objects.filter(reason__contains="2026-11").count() == 2
    with pytest.raises(SheetTransitionError):  # a second click, or a second manager
        services.monthly_sheet_agree(sheet=sheet, actor=org.rm, agreed={}, comment="")


def test_a_joiners_agreed_sheet_covers_her_days_and_keeps_them_when_changed(org):
    """She joined on the 18th: the agreed sheet covers 18–30 November, whole (see
    `TargetBook.covered_share`). The admin changing the number later changes the number,
    not the days it is for; someone in a region on the 1st agrees the whole month."""
    from tests import factories as f

    visits = metric("visits")
    joiner = f.UserFactory(name="李明")
    f.MembershipFactory(user=joiner, region=org.region, start_date=D(2026, 11, 18))
    for author in (joiner, org.am):
        sheet = services.monthly_sheet_save(
            author=author,
            month=D(2026, 11, 1),
            proposed={visits.pk: 18},
            focus_items="",
            submit=True,
        )
        services.monthly_sheet_agree(sheet=sheet, actor=org.rm, agreed={visits.pk: 18}, comment="")
    assert Target.objects.get(user=joiner).covers_from == D(2026, 11, 18)
    assert Target.objects.get(user=org.am).covers_from is None
    services.target_set(
        actor=org.admin,
        user=joiner,
        metric_id=visits.pk,
        kind=PeriodKind.MONTH,
        start=D(2026, 11, 1),
        value=20,
        reason="补录",
    )
    assert Target.objects.get(user=joiner).covers_from == D(2026, 11, 18)


def _review(org, week, *, submit, lines, short=()):
    return services.weekly_review_save(
        author=org.am,
        week=week,
        fields={"situation_analysis": "下雨"},
        lines=lines,
        planned_visits=[(None, "恒通物流")],
        short_metric_ids=short,
        submit=submit,
    )


def test_submitting_a_review_needs_cause_and_countermeasure_for_each_shortfall(org):
    visits, closings = metric("visits"), metric("closings")
    lines = [ReviewLineInput(visits.pk, cause="下雨"), ReviewLineInput(closings.pk)]
    with pytest.raises(ValidationError) as error:
        _review(org, D(2026, 11, 16), submit=True, lines=lines, short=[visits.pk])
    assert set(error.value.message_dict) == {str(visits.pk)}
    draft = _review(org, D(2026, 11, 16), submit=False, lines=lines, short=[visits.pk])
    assert draft.status == ReviewStatus.DRAFT  # drafts may be incomplete
    lines[0].countermeasure = "多跑车队"
    assert (
        _review(org, D(2026, 11, 16), submit=True, lines=lines, short=[visits.pk]).status
        == "submitted"
    )


@pytest.mark.parametrize(
    ("moment", "late"),
    [
        (datetime.datetime(2026, 11, 21, 3, 59, tzinfo=datetime.UTC), False),  # Sat 11:59 Shanghai
        (datetime.datetime(2026, 11, 21, 4, 1, tzinfo=datetime.UTC), True),  # Sat 12:01
    ],
)
def test_review_after_the_saturday_noon_deadline_is_late(org, moment, late):
    with time_machine.travel(moment):
        review = _review(org, D(2026, 11, 16), submit=True, lines=[])
    assert review.is_late is late


@pytest.mark.parametrize(
    ("moment", "late"),
    [
        (datetime.datetime(2026, 10, 8, 3, 59, tzinfo=datetime.UTC), False),  # Thu 8 Oct 11:59
        (datetime.datetime(2026, 10, 8, 4, 1, tzinfo=datetime.UTC), True),  # 12:01
    ],
)
def test_a_deadline_on_a_public_holiday_moves_to_the_first_day_after_it(org, moment, late):
    """The review of 28 September 2026 falls due on Saturday 3 October, in 国庆 (1–7
    October, chinese-calendar): handed in the morning work began again, it read 逾期."""
    with time_machine.travel(moment):
        review = _review(org, D(2026, 9, 28), submit=True, lines=[])
    assert review.is_late is late


@time_machine.travel(datetime.datetime(2026, 11, 21, 2, 0, tzinfo=datetime.UTC), tick=False)
def test_reviewing_sets_next_weeks_targets(org):
    visits = metric("visits")
    review = _review(
        org, D(2026, 11, 16), submit=True, lines=[ReviewLineInput(visits.pk, next_week_target=33)]
    )
    services.weekly_review_review(review=review, actor=org.rm, coaching_note="先约车队")
    review.refresh_from_db()
    assert (review.status, review.reviewed_by, review.coaching_note) == (
        "reviewed",
        org.rm,
        "先约车队",
    )
    target = Target.objects.get(user=org.am, period_kind="week")
    assert (target.period_start, target.value) == (D(2026, 11, 23), 33)
    with pytest.raises(SheetTransitionError):
        services.weekly_review_review(review=review, actor=org.rm, coaching_note="again")
    assert WeeklyReview.objects.get().planned_visits.get().customer == "恒通物流"


@time_machine.travel(datetime.datetime(2026, 11, 20, 4, 0, tzinfo=datetime.UTC), tick=False)
def test_tracked_items_one_per_assignee_with_history(org):
    items = services.tracked_items_create(
        assigner=org.rm,
        assignees=[org.am, org.peer_am],
        title="整理续保名单",
        details="",
        due_date=D(2026, 11, 30),
        is_key=False,
    )
    assert [i.assignee for i in items] == [org.am, org.peer_am]
    item = services.tracked_item_update(item=items[0], actor=org.am, status="done", note="已完成")
    assert item.status == "done"
    assert list(item.notes.values_list("from_status", "to_status")) == [
        ("", "open"),
        ("open", "done"),
    ]
    with pytest.raises(ValidationError):
        services.tracked_item_update(item=item, actor=org.am, status="done", note="")
    assert MonthlyGoalSheet.objects.count() == 0


def test_a_review_read_after_next_week_is_over_sets_no_target_for_it(org):
    """Calendar QA: the review of 28 Dec, handed in and reviewed on 11 January, made its
    "next week" targets the targets of 4-10 January, after that week was over."""
    visits = metric("visits")
    with time_machine.travel(datetime.datetime(2026, 11, 27, 2, 0, tzinfo=datetime.UTC)):
        review = _review(
            org,
            D(2026, 11, 16),
            submit=True,
            lines=[ReviewLineInput(visits.pk, next_week_target=33)],
        )
    with time_machine.travel(datetime.datetime(2026, 11, 30, 2, 0, tzinfo=datetime.UTC)):
        reviewed = services.weekly_review_review(review=review, actor=org.rm, coaching_note="好")
    assert reviewed.status == "reviewed" and reviewed.next_week_targets_applied is False
    assert not Target.objects.filter(user=org.am, period_kind="week").exists()
