"""Demo plans: monthly targets and agreed goal sheets, reviewed weekly sheets, a region's
annual breakdown and a few tracked items, consistent with the demo logs."""

import datetime
import random
from collections import defaultdict

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts.models import RegionMembership
from activity.demo import TYPICAL
from activity.models import Metric, Notification, NotificationKind, Prospect, VisitRecord
from activity.reminders import notification_for, source_of, stored_text

from . import periods
from .calendar import rules_for
from .models import (
    ItemStatus,
    MonthlyGoalLine,
    MonthlyGoalSheet,
    PeriodKind,
    PlannedVisit,
    ReviewStatus,
    SheetStatus,
    Target,
    TargetRevision,
    TrackedItem,
    TrackedItemNote,
    WeeklyReview,
    WeeklyReviewLine,
)
from .selectors import TargetBook, actuals

CAUSES = [
    "下雨两天，外出受影响",
    "参加公司培训一天",
    "车队客户决策人出差",
    "新人还在熟悉片区",
    "精力放在续保上",
]
COUNTERMEASURES = [
    "周末补访两家车队",
    "提前电话预约再上门",
    "请区域经理陪同促成",
    "每天固定上午扫街",
]
COACHING = [
    "拜访量上来了，继续保持",
    "留电话后24小时内回访",
    "多跑4S店，转介绍客户质量高",
    "下周重点跟进意向客户",
]


def _aware(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def build_plans(*, org, today: datetime.date, weeks: int = 8, seed: int = 2026) -> dict:
    """Plans for the demo weeks. Returns counts by kind (for the seed command's summary)."""
    rng = random.Random(seed)
    metrics = list(Metric.objects.filter(is_active=True))
    first_week = periods.week_start(today) - datetime.timedelta(weeks=weeks)
    first_month = periods.month_start(first_week)
    this_month = periods.month_start(today)
    rules = rules_for(org.branch.pk, first_month, datetime.date(today.year, 12, 31))
    managers = {r.pk: r.manager for r in org.regions}
    memberships = {}
    for m in RegionMembership.objects.filter(user__in=org.account_managers).order_by("start_date"):
        memberships.setdefault(m.user_id, []).append(m)

    def region_on(user_id: int, day: datetime.date) -> int:
        """The region on `day`, as the logs have it (the first one before anyone joined)."""
        rows = memberships[user_id]
        current = [m for m in rows if m.covers(day)]
        return (current or rows)[0].region_id

    # Monthly goal sheets and the targets they become.
    targets, revisions, sheets, lines = [], [], [], []
    month = first_month
    while month <= this_month:
        days = rules.count(month, periods.period_end(PeriodKind.MONTH, month))
        for index, am in enumerate(org.account_managers):
            rm = managers[region_on(am.pk, month)]
            status = SheetStatus.AGREED
            # This month, in every region: the second AM's sheet waits for the RM, the
            # third's is still a draft, the fourth asks to change an agreed one.
            if month == this_month and index // len(org.regions) == 1:
                status = SheetStatus.SUBMITTED
            elif month == this_month and index // len(org.regions) == 2:
                status = SheetStatus.DRAFT
            sheet = MonthlyGoalSheet(
                author=am,
                region_id=region_on(am.pk, month),
                month=month,
                status=status,
                focus_items=rng.choice(["车队统保", "4S店转介绍", "老客户续保", "社区活动"]),
                # Handed in from the 20th of the month before, agreed before the month
                # starts: nothing is dated after now, whatever day the demo is built.
                submitted_at=_aware(month - datetime.timedelta(days=6), 9),
            )
            if status == SheetStatus.DRAFT:
                sheet.submitted_at = None
            elif month == this_month and index // len(org.regions) == 3:
                sheet.change_request = "大客户恒通物流搬去萧山了，本月拜访目标想下调"
                sheet.change_requested_at = min(_aware(month, 9), timezone.now())
            if status == SheetStatus.AGREED:
                sheet.agreed_by, sheet.agreed_at = (
                    rm,
                    _aware(month - datetime.timedelta(days=4), 10),
                )
                sheet.manager_comment = rng.choice(["同意", "拜访再加一点", "目标可行"])
            sheets.append(sheet)
            for metric in metrics:
                proposed = TYPICAL.get(metric.code, 3) * days
                agreed = proposed + (days if metric.code == "visits" and index % 3 == 0 else 0)
                lines.append(
                    (sheet, metric, proposed, agreed if status == SheetStatus.AGREED else None)
                )
                if status == SheetStatus.AGREED:
                    agreed_reason = stored_text(
                        gettext_noop("Agreed monthly goal sheet %(month)s"),
                        {"month": f"{month:%Y-%m}"},
                    )
                    target = Target(
                        user=am,
                        metric=metric,
                        period_kind=PeriodKind.MONTH,
                        period_start=month,
                        value=agreed,
                        updated_by=rm,
                        updated_at=sheet.agreed_at,
                    )
                    targets.append(target)
                    revisions.append(
                        TargetRevision(
                            target=target,
                            new_value=agreed,
                            changed_by=rm,
                            changed_at=sheet.agreed_at,
                            # The wording the service writes, as it writes it.
                            reason=agreed_reason,
                            reason_source=source_of(agreed_reason),
                        )
                    )
        month = periods.add_months(month, 1)
    MonthlyGoalSheet.objects.bulk_create(sheets)
    MonthlyGoalLine.objects.bulk_create(
        MonthlyGoalLine(sheet=s, metric=m, proposed=p, agreed=a) for s, m, p, a in lines
    )

    # One region plans top-down: an explicit annual breakdown of visits.
    region = org.regions[0]
    visits = next((m for m in metrics if m.code == "visits"), metrics[0])
    yearly = periods.propose(
        today.year,
        6 * 250 * 8,
        lambda kind, start: rules.count(start, periods.period_end(kind, start)),
    )
    breakdown_reason = stored_text(gettext_noop("Breakdown of the annual target"), {})
    for (kind, start), value in yearly.items():
        target = Target(
            region=region,
            metric=visits,
            period_kind=kind,
            period_start=start,
            value=value,
            updated_by=region.manager,
            updated_at=_aware(datetime.date(today.year, 1, 5), 9),
        )
        targets.append(target)
        revisions.append(
            TargetRevision(
                target=target,
                new_value=value,
                changed_by=region.manager,
                changed_at=target.updated_at,
                reason=breakdown_reason,
                reason_source=source_of(breakdown_reason),
            )
        )
    Target.objects.bulk_create(targets, batch_size=1000)
    TargetRevision.objects.bulk_create(revisions, batch_size=1000)

    # Weekly reviews for every finished demo week; last week's still waiting in part.
    book = TargetBook(
        rules=rules,
        values={
            (t.period_kind, "u", t.user_id, t.period_start, t.metric_id): t.value
            for t in targets
            if t.user_id
        },
    )
    prospects = {}
    for p in Prospect.objects.filter(owner__in=org.account_managers).only("pk", "owner_id", "name"):
        prospects.setdefault(p.owner_id, []).append(p)
    # Who each AM went on to visit, week by week: a plan names mostly prospects the AM
    # then saw, so the next review's 'planned visits' shows both seen and not yet seen.
    visited = defaultdict(set)
    for author_id, day, prospect_id in VisitRecord.objects.filter(
        log__author__in=org.account_managers, prospect__isnull=False
    ).values_list("log__author_id", "log__date", "prospect_id"):
        visited[author_id, periods.week_start(day)].add(prospect_id)
    am_ids = [am.pk for am in org.account_managers]
    reviews, review_lines, planned = [], [], []
    last_week = periods.week_start(today) - datetime.timedelta(weeks=1)
    week = first_week
    while week <= last_week:
        found = actuals(author_ids=am_ids, start=week, end=week + datetime.timedelta(days=6))
        for index, am in enumerate(org.account_managers):
            # Last week, in every region: the first AM's review is reviewed (the demo AM
            # reads the coaching), the second's waits for the RM, the third is not written.
            rank = index // len(org.regions)
            if week == last_week and (rank == 2 or (rank > 2 and index % 4 == 1)):
                continue  # not written yet
            rm = managers[region_on(am.pk, week)]
            late = rng.random() < 0.1
            submitted = _aware(week + datetime.timedelta(days=5), 14 if late else 10)
            reviewed = week < last_week or rank == 0 or (rank > 2 and index % 2 == 0)
            review = WeeklyReview(
                author=am,
                region_id=region_on(am.pk, week),
                week_start=week,
                status=ReviewStatus.REVIEWED if reviewed else ReviewStatus.SUBMITTED,
                situation_analysis=rng.choice(
                    ["本周整体正常", "上半周天气差，下半周补上", "重点客户推进顺利"]
                ),
                planned_visit_count=rng.randint(20, 35),
                desk_work_plan=rng.choice(
                    ["准备两份车队统保方案", "学习新版商业险条款", "整理续保名单"]
                ),
                submitted_at=submitted,
                is_late=late,
            )
            if reviewed:
                review.reviewed_by, review.coaching_note = rm, rng.choice(COACHING)
                review.reviewed_at = submitted + datetime.timedelta(hours=5)
            reviews.append(review)
            for metric in metrics:
                target, _source = book.user_value(am.pk, PeriodKind.WEEK, week, metric.pk)
                actual = found.get((am.pk, metric.pk), 0)
                short = target is not None and actual < target
                review_lines.append(
                    WeeklyReviewLine(
                        review=review,
                        metric=metric,
                        # The figures as submitted, as the app stores them: a late log
                        # afterwards does not change what the RM reviewed.
                        target_at_submit=target,
                        actual_at_submit=actual,
                        cause=rng.choice(CAUSES) if short else "",
                        countermeasure=rng.choice(COUNTERMEASURES) if short else "",
                        next_week_target=book.user_value(
                            am.pk, PeriodKind.WEEK, week + datetime.timedelta(weeks=1), metric.pk
                        )[0],
                    )
                )
            owned = prospects.get(am.pk, [])
            next_week = visited[am.pk, week + datetime.timedelta(weeks=1)]
            seen = [p for p in owned if p.pk in next_week]
            unseen = [p for p in owned if p.pk not in next_week]
            for prospect in [
                *rng.sample(seen, min(3, len(seen))),
                *rng.sample(unseen, min(1, len(unseen))),
            ]:
                planned.append(
                    PlannedVisit(review=review, prospect=prospect, customer=prospect.name)
                )
            planned.append(
                PlannedVisit(
                    review=review, customer=rng.choice(["恒通物流", "城西驾校", "永安4S店"])
                )
            )
        week += datetime.timedelta(weeks=1)
    WeeklyReview.objects.bulk_create(reviews, batch_size=1000)
    WeeklyReviewLine.objects.bulk_create(review_lines, batch_size=2000)
    PlannedVisit.objects.bulk_create(planned, batch_size=2000)

    # Tracked items handed down by the RMs, some overdue, with their follow-up.
    items, notes = [], []
    now = timezone.now()

    def item(assignee, assigner, title, due_in, status, is_key=False, progress="", done=""):
        due = today + datetime.timedelta(days=due_in)
        # Handed down a week before it is due, and two days ago at the latest: the
        # follow-up below happened since, never after now.
        handed = min(_aware(due - datetime.timedelta(days=7), 9), now - datetime.timedelta(days=2))
        handed_down = TrackedItem(
            assignee=assignee,
            assigner=assigner,
            title=title,
            due_date=due,
            status=status,
            is_key=is_key,
            created_at=handed,
        )
        items.append(handed_down)
        notes.append(
            TrackedItemNote(
                item=handed_down, author=assigner, to_status=ItemStatus.OPEN, created_at=handed
            )
        )
        if status in (ItemStatus.IN_PROGRESS, ItemStatus.DONE):
            notes.append(
                TrackedItemNote(
                    item=handed_down,
                    author=assignee,
                    note=progress,
                    from_status=ItemStatus.OPEN,
                    to_status=ItemStatus.IN_PROGRESS,
                    created_at=handed + datetime.timedelta(days=1),
                )
            )
        if status == ItemStatus.DONE:
            notes.append(
                TrackedItemNote(
                    item=handed_down,
                    author=assignee,
                    note=done,
                    from_status=ItemStatus.IN_PROGRESS,
                    to_status=ItemStatus.DONE,
                    created_at=handed + datetime.timedelta(days=1, hours=6),
                )
            )

    for index, am in enumerate(org.account_managers[: len(org.regions) * 2]):
        rm = managers[region_on(am.pk, today)]
        # The demo AMs (the first of each region) have one overdue and one done.
        overdue = index < len(org.regions)
        item(
            am,
            rm,
            rng.choice(["整理本月续保名单", "联系城西车队负责人", "参加周三产品培训"]),
            -3 if overdue else rng.choice([-1, 2, 5]),
            ItemStatus.OPEN if overdue else rng.choice([ItemStatus.OPEN, ItemStatus.IN_PROGRESS]),
            progress="已约好时间",
        )
        if overdue:
            item(
                am,
                rm,
                "收集十位老客户的转介绍名单",
                -2,
                ItemStatus.DONE,
                progress="已联系六位",
                done="十位已收齐，名单交给区域经理",
            )
            item(am, am, "本月拿下一家车队统保", 10, ItemStatus.IN_PROGRESS, True, "报价已发")
    # The area managers hand their regional managers an item too.
    for region in org.regions:
        if region.area_id and region.area.manager:
            item(
                region.manager,
                region.area.manager,
                "周五前上报本区域车队统保进展",
                2,
                ItemStatus.OPEN,
            )
    TrackedItem.objects.bulk_create(items)
    TrackedItemNote.objects.bulk_create(notes)

    # The bell: the items handed down, last week's reviews and this month's requests to
    # change a goal sheet, as the services would have told them.
    notices = []
    for handed_down in items:
        if handed_down.assignee_id != handed_down.assigner_id:
            notices.append(
                _notice(
                    handed_down.assignee,
                    NotificationKind.ITEM_ASSIGNED,
                    stored_text(
                        gettext_noop("%(name)s handed you an item: %(title)s"),
                        {"name": handed_down.assigner.name, "title": handed_down.title},
                    ),
                    stored_text(
                        gettext_noop("Due %(day)s"), {"day": handed_down.due_date.isoformat()}
                    ),
                    reverse("planning:item_detail", kwargs={"pk": handed_down.pk}),
                    handed_down.created_at,
                    read=handed_down.status != ItemStatus.OPEN,
                )
            )
    for review in reviews:
        if review.week_start == last_week and review.status == ReviewStatus.REVIEWED:
            notices.append(
                _notice(
                    review.author,
                    NotificationKind.WEEKLY_REVIEWED,
                    stored_text(
                        gettext_noop("%(name)s reviewed your weekly review of %(week)s"),
                        {"name": review.reviewed_by.name, "week": review.week_start.isoformat()},
                    ),
                    review.coaching_note,
                    reverse("planning:weekly_detail", kwargs={"pk": review.pk}),
                    review.reviewed_at,
                )
            )
    for sheet in sheets:
        if sheet.change_requested_at:
            notices.append(
                _notice(
                    sheet.agreed_by,
                    NotificationKind.MONTHLY_CHANGE_REQUESTED,
                    stored_text(
                        gettext_noop("%(name)s asks to change their goal sheet of %(month)s"),
                        {"name": sheet.author.name, "month": sheet.month.strftime("%Y-%m")},
                    ),
                    sheet.change_request,
                    reverse("planning:monthly_detail", kwargs={"pk": sheet.pk}),
                    sheet.change_requested_at,
                )
            )
    Notification.objects.bulk_create(notices)
    return {
        "targets": len(targets),
        "monthly_sheets": len(sheets),
        "weekly_reviews": len(reviews),
        "tracked_items": len(items),
    }


def _notice(recipient, kind, title, body, url, when, read=False) -> Notification:
    notice = notification_for(kind=kind, recipient=recipient, title=title, body=body, url=url)
    notice.created_at = when
    notice.read_at = when + datetime.timedelta(hours=2) if read else None
    return notice
