"""Eight weeks of daily logs with the variance a real branch shows."""

import datetime
import random

from django.utils import timezone

from accounts.models import RegionMembership
from accounts.services import membership_move
from planning.calendar import rules_for

from .models import (
    DailyLog,
    IntentStage,
    LogEvent,
    LogStatus,
    Metric,
    MetricValue,
    SalesChannel,
    VisitRecord,
)

CUSTOMERS = [
    "恒通物流",
    "鑫源汽修",
    "城西驾校",
    "华联超市",
    "绿城物业",
    "阳光出租车队",
    "顺达快递",
    "永安4S店",
    "新华小区车主群",
    "滨江建材",
    "老客户续保",
    "万达车友会",
    "东方酒店",
    "南湖幼儿园",
]
NEEDS = ["比价商业险", "关心理赔速度", "车队统保", "新车首保", "续保提醒", "增加三者险保额"]
# Typical counts per day for an average account manager, per metric code.
TYPICAL = {"visits": 6, "leaflets": 25, "phone_numbers": 5, "callbacks": 8, "closings": 1}


def _transition(log, actor, action, from_status, to_status, when, comment=""):
    return LogEvent(
        log=log,
        actor=actor,
        action=action,
        from_status=from_status,
        to_status=to_status,
        comment=comment,
        created_at=when,
    )


def build_logs(*, org, today: datetime.date, weeks: int = 8, seed: int = 2026) -> int:
    """Logs for every working day from `weeks` weeks ago until today. Returns the count."""
    rng = random.Random(seed)
    metrics = list(Metric.objects.filter(is_active=True))
    start = today - datetime.timedelta(weeks=weeks)
    # A few people persistently low (the 80/20 the managers must see).
    level = {
        am.pk: rng.choice([0.35, 0.5]) if i % 7 == 3 else rng.uniform(0.8, 1.3)
        for i, am in enumerate(org.account_managers)
    }
    # One move half-way, so history keeps the old region.
    mover = org.account_managers[-1]
    move_day = start + datetime.timedelta(weeks=weeks // 2)
    membership_move(user=mover, region=org.regions[2], start_date=move_day)

    managers = {r.pk: r.manager for r in org.regions}
    region_on = {}
    for m in RegionMembership.objects.filter(user__in=org.account_managers):
        region_on.setdefault(m.user_id, []).append(m)

    rules = rules_for(org.branch.pk, start, today)
    # Built before the working day starts (make run at 00:30), nobody has a log today yet.
    early = timezone.localtime().time() < datetime.time(8)
    logs = []
    day = start
    while day <= today:
        if rules.is_working_day(day):
            for am in org.account_managers:
                miss_rate = 0.25 if level[am.pk] < 0.6 else 0.04
                if day == today and (early or rng.random() < 0.5):
                    continue  # half the team has not written today's log yet
                if day < today and rng.random() < miss_rate:
                    continue
                membership = next(m for m in region_on[am.pk] if m.covers(day))
                logs.append(DailyLog(author=am, date=day, region_id=membership.region_id))
        day += datetime.timedelta(days=1)

    # The regional manager signs off by the end of the next working day, so part of the
    # last working day's logs still wait today (on a Monday: Friday's). Each region's
    # latest log before today waits in any case: every demo RM has a sign-off to try.
    last_working_day = max((d for d in rules.working_days(start, today) if d < today), default=None)
    latest_per_region = {log.region_id: log for log in logs if log.date < today}
    waiting = {id(log) for log in latest_per_region.values()}

    now = timezone.now()
    for log in logs:
        age = (today - log.date).days
        late = age > 0 and rng.random() < 0.06  # today's log cannot be late yet
        submitted = datetime.datetime.combine(
            log.date + datetime.timedelta(days=1 if late else 0),
            datetime.time(18 + rng.randint(0, 3), rng.randint(0, 59)),
            tzinfo=datetime.UTC,
        ) - datetime.timedelta(hours=8)
        # Today's evening may not have come yet: nothing is handed in after "now".
        submitted = min(submitted, now - datetime.timedelta(minutes=rng.randint(1, 30)))
        log.submitted_at, log.is_late = submitted, late
        # Opened a little before it was handed in (the audit trail starts there).
        log.created_at = max(
            submitted - datetime.timedelta(minutes=rng.randint(10, 50)),
            min(
                timezone.make_aware(datetime.datetime.combine(log.date, datetime.time(8))),
                submitted,
            ),
        )
        if age == 0:
            log.status = LogStatus.SUBMITTED if rng.random() < 0.7 else LogStatus.DRAFT
            if log.status == LogStatus.DRAFT:
                log.submitted_at, log.is_late = None, False
        elif id(log) in waiting or (log.date == last_working_day and rng.random() < 0.5):
            log.status = LogStatus.SUBMITTED
        elif rng.random() < 0.03:
            log.status = LogStatus.RETURNED
            log.return_reason = rng.choice(
                ["拜访记录太简单，请补充客户需求", "促成数与拜访记录对不上，请核实"]
            )
        else:
            log.status = LogStatus.SIGNED_OFF
            log.signed_off_by = managers[log.region_id]
            log.signed_off_at = min(submitted + datetime.timedelta(hours=rng.randint(1, 14)), now)
            log.manager_comment = rng.choice(
                [
                    "",
                    "",
                    "不错，继续保持",
                    "拜访量偏低，明天多走访车队客户",
                    "留电话要及时回访",
                    "促成的客户记得约续保时间",
                ]
            )
        log.needs_joint_visit = rng.random() < 0.08
        log.support_material = rng.random() < 0.1
    DailyLog.objects.bulk_create(logs, batch_size=1000)

    values, visits, events = [], [], []
    for log in logs:
        factor = level[log.author_id] * rng.uniform(0.6, 1.4)
        counted = {}
        for metric in metrics:
            typical = TYPICAL.get(metric.code, 3)
            counted[metric.code] = max(0, round(rng.gauss(typical * factor, typical * 0.25)))
            values.append(MetricValue(log=log, metric=metric, value=counted[metric.code]))
        # A record per visit counted, as the log page asks (it flags visits without one).
        for order in range(counted.get("visits", 0)):
            visits.append(
                VisitRecord(
                    log=log,
                    customer=rng.choice(CUSTOMERS),
                    channel=rng.choice(SalesChannel.values),
                    stage=rng.choice(IntentStage.values),
                    needs=rng.choice(NEEDS),
                    next_step=rng.choice(["下周回访", "发送报价", "约见决策人", "准备续保方案"]),
                    order=order,
                )
            )
        if log.status != LogStatus.DRAFT:
            events.append(
                _transition(
                    log,
                    log.author,
                    LogEvent.Action.SUBMITTED,
                    LogStatus.DRAFT,
                    LogStatus.SUBMITTED,
                    log.submitted_at,
                )
            )
        if log.status == LogStatus.SIGNED_OFF:
            events.append(
                _transition(
                    log,
                    log.signed_off_by,
                    LogEvent.Action.SIGNED_OFF,
                    LogStatus.SUBMITTED,
                    LogStatus.SIGNED_OFF,
                    log.signed_off_at,
                    log.manager_comment,
                )
            )
        if log.status == LogStatus.RETURNED:
            events.append(
                _transition(
                    log,
                    managers[log.region_id],
                    LogEvent.Action.RETURNED,
                    LogStatus.SUBMITTED,
                    LogStatus.RETURNED,
                    log.submitted_at + datetime.timedelta(hours=2),
                    log.return_reason,
                )
            )
    MetricValue.objects.bulk_create(values, batch_size=5000)
    VisitRecord.objects.bulk_create(visits, batch_size=2000)
    LogEvent.objects.bulk_create(events, batch_size=2000)
    return len(logs)
