"""Eight weeks of daily logs with the variance a real branch shows, each account
manager's prospect list (准主顾) the visits follow, and the requests and notices a
newcomer finds waiting when they log in."""

import datetime
import random
from collections import defaultdict

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts.demo import GIVEN, SURNAMES
from accounts.models import RegionMembership
from accounts.services import membership_move
from planning.calendar import rules_for

from .models import (
    Attitude,
    DailyLog,
    Gender,
    IntentStage,
    LogEvent,
    LogStatus,
    Metric,
    MetricValue,
    Notification,
    NotificationKind,
    Prospect,
    ReminderSent,
    SalesChannel,
    SourceMarket,
    VisitRecord,
)
from .reminders import (
    notification_for,
    reminder_run,
    reminders_due,
    stored_text,
)
from .services import _request_parts, reached_rm_on

# Contacts not on the AM's list: a street canvass, an event (no prospect linked).
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
NEEDS = [
    "比价商业险，上家报价低8%",
    "关心理赔速度，去年出险等了一个月",
    "12辆货车想统保，交强险加商业险一起报价",
    "新车首保，想要车损险加三者险200万",
    "下月到期，续保提醒",
    "三者险保额想从100万加到300万",
    "想加驾乘意外险和代步车服务",
]
MARKETING = ["", "", "续保季早鸟优惠", "车队统保方案", "4S店联合送保养", "社区车主安全讲座"]
NEXT_STEPS = ["下周回访", "发送报价", "约见决策人", "准备续保方案", "带条款对比表再去一次"]

# Prospects: organisations of the region's districts and private car owners.
FIRMS = "恒通 鑫源 顺达 永安 华联 绿城 宏达 金桥 广汇 利民 天成 安顺 瑞丰 众诚 通达 嘉禾 远洋 锦程"
FIRM_KINDS = ["物流", "汽修厂", "驾校", "出租车队", "4S店", "建材", "快递站", "租车行", "货运部"]
POSITIONS = ["车队队长", "行政经理", "老板", "采购主管", "财务主管"]
HOBBIES = ["钓鱼", "打羽毛球", "喝茶", "自驾游", "下象棋", "跑步", ""]
DISTRICTS = {
    "西北": ["西湖区文三路", "拱墅区莫干山路"],
    "西南": ["西湖区转塘街道", "上城区复兴路"],
    "东北": ["上城区九堡", "临平区星桥街道"],
    "东南": ["滨江区江南大道", "萧山区市心路"],
}
# The first account manager of each region (the logins `seed_demo` prints) has more
# than a page of prospects, so the list's paging shows; the others a working list.
LISTED_PROSPECTS = 56
# A prospect's stage moves along this path, one step now and then, as visits go on.
PROGRESS = [
    IntentStage.FIRST_CONTACT,
    IntentStage.INTERESTED,
    IntentStage.NEGOTIATING,
    IntentStage.READY_TO_CLOSE,
    IntentStage.WON,
]
HELP_ASKED = [
    "周四下午请陪同去{name}，对方要见主管才肯定统保",
    "{name}报价谈到最后一步，请陪同促成",
    "{name}的老板想当面问理赔流程，请一起去一趟",
]
RETURN_REASONS = ["拜访记录太简单，请补充客户需求", "促成数与拜访记录对不上，请核实"]
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


def _advance(stage: str, rng: random.Random) -> str:
    """The prospect's stage after one more visit: now and then a step on, rarely a no."""
    if stage not in PROGRESS or stage == IntentStage.WON:
        return stage
    roll = rng.random()
    if roll < 0.02:
        return IntentStage.NOT_INTERESTED
    if roll < 0.22:
        return PROGRESS[PROGRESS.index(stage) + 1]
    return stage


def _help_asked(visits: list[VisitRecord], rng: random.Random) -> str:
    """A joint visit asked for the customer of the day closest to closing."""
    closest = max(
        (v for v in visits if v.stage in PROGRESS[:-1]),
        key=lambda v: PROGRESS.index(v.stage),
        default=None,
    )
    name = closest.customer if closest else rng.choice(CUSTOMERS)
    return rng.choice(HELP_ASKED).format(name=name)


def build_prospects(*, org, rng: random.Random) -> dict[int, list[Prospect]]:
    """Each account manager's prospect list, in the districts of their region. Returns
    the prospects by owner id."""
    region_of = {}
    for m in RegionMembership.objects.filter(user__in=org.account_managers, end_date__isnull=True):
        region_of[m.user_id] = m.region.name
    firms = FIRMS.split()
    prospects = []
    for index, am in enumerate(org.account_managers):
        wanted = LISTED_PROSPECTS if index < len(org.regions) else rng.randint(18, 30)
        streets = DISTRICTS.get(region_of.get(am.pk), ["上城区解放路", "上城区庆春路"])
        names = set()
        while len(names) < wanted:
            if rng.random() < 0.45:
                names.add(rng.choice(firms) + rng.choice(FIRM_KINDS))
            else:
                names.add(rng.choice(SURNAMES) + rng.choice(GIVEN))
        for name in sorted(names):
            firm = any(name.endswith(kind) for kind in FIRM_KINDS)
            gender = rng.choice(Gender.values)
            prospects.append(
                Prospect(
                    owner=am,
                    name=name,
                    source=rng.choice(
                        [SourceMarket.TARGET, SourceMarket.REFERRAL]
                        if firm
                        else [SourceMarket.WARM, SourceMarket.REFERRAL]
                    ),
                    phone=(
                        f"0571-8{rng.randint(1000000, 9999999)}"
                        if firm
                        else f"13{rng.randint(5, 9)}{rng.randint(10000000, 99999999)}"
                    ),
                    address=f"杭州市{rng.choice(streets)}{rng.randint(1, 399)}号",
                    contact_name=(
                        rng.choice(SURNAMES) + ("先生" if gender == Gender.MALE else "女士")
                        if firm
                        else name
                    ),
                    contact_gender=gender,
                    contact_age=rng.randint(26, 58),
                    contact_position=rng.choice(POSITIONS) if firm else "私家车主",
                    contact_hobbies=rng.choice(HOBBIES),
                    attitude=rng.choice(Attitude.values),
                    stage=rng.choice([IntentStage.FIRST_CONTACT, IntentStage.INTERESTED]),
                )
            )
    Prospect.objects.bulk_create(prospects, batch_size=1000)
    by_owner = defaultdict(list)
    for prospect in prospects:
        by_owner[prospect.owner_id].append(prospect)
    return by_owner


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
    prospects = build_prospects(org=org, rng=rng)
    # The demo logins of account managers (the first of each region).
    listed = {am.pk for am in org.account_managers[: len(org.regions)]}
    newcomer = org.account_managers[0]  # 1001: today's log is theirs to write

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
                if day == today and (early or am == newcomer or rng.random() < 0.5):
                    continue  # half the team has not written today's log yet
                if day < today and rng.random() < miss_rate:
                    continue
                membership = next(m for m in region_on[am.pk] if m.covers(day))
                logs.append(DailyLog(author=am, date=day, region_id=membership.region_id))
        day += datetime.timedelta(days=1)

    # The regional manager signs off by the end of the next working day, so part of the
    # last working day's logs still wait today (on a Monday: Friday's). Each region's
    # latest log before today waits in any case, asking for a joint visit: every demo RM
    # has a sign-off and a request to try.
    last_working_day = max((d for d in rules.working_days(start, today) if d < today), default=None)
    latest_per_region = {log.region_id: log for log in logs if log.date < today}
    waiting = {id(log) for log in latest_per_region.values()}
    # Each demo AM finds a log of last days returned to them, to correct and hand in again.
    returned = set()
    for am_id in listed:
        earlier = [
            log
            for log in logs
            if log.author_id == am_id and log.date < today and id(log) not in waiting
        ]
        if earlier:
            returned.add(id(earlier[-2 if len(earlier) > 1 else -1]))

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
        log.handed_in_on = reached_rm_on(log.date, submitted)  # as a hand-in stores it
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
                log.submitted_at, log.is_late, log.handed_in_on = None, False, None
        elif id(log) in waiting or (log.date == last_working_day and rng.random() < 0.5):
            log.status = LogStatus.SUBMITTED
        elif id(log) in returned or (age <= 7 and rng.random() < 0.03):
            # Only lately: an AM corrects a returned log within days, not weeks.
            log.status = LogStatus.RETURNED
            log.return_reason = rng.choice(RETURN_REASONS)
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
        log.needs_joint_visit = id(log) in waiting or rng.random() < 0.08
        log.support_training = rng.random() < 0.04
        log.support_material = rng.random() < 0.1
        if log.support_material and rng.random() < 0.5:
            log.support_notes = "新版商业险折页不够了，需要50份"

    values, visits, events = [], [], []
    stage_now = {p.pk: p.stage for owned in prospects.values() for p in owned}
    for log in logs:
        factor = level[log.author_id] * rng.uniform(0.6, 1.4)
        counted = {}
        for metric in metrics:
            typical = TYPICAL.get(metric.code, 3)
            counted[metric.code] = max(0, round(rng.gauss(typical * factor, typical * 0.25)))
            values.append(MetricValue(log=log, metric=metric, value=counted[metric.code]))
        # A record per visit counted, as the log page asks (it flags visits without one).
        # Most visits follow the AM's own prospects; the rest are canvass contacts.
        for order in range(counted.get("visits", 0)):
            visit = VisitRecord(
                log=log,
                channel=rng.choice(SalesChannel.values),
                marketing_activity=rng.choice(MARKETING),
                needs=rng.choice(NEEDS),
                next_step=rng.choice(NEXT_STEPS),
                order=order,
            )
            owned = prospects[log.author_id]
            if rng.random() < 0.75:
                prospect = rng.choice(owned)
                stage_now[prospect.pk] = _advance(stage_now[prospect.pk], rng)
                visit.prospect, visit.customer = prospect, prospect.name
                visit.stage = stage_now[prospect.pk]
            else:
                visit.customer = rng.choice(CUSTOMERS)
                visit.stage = rng.choice(
                    [IntentStage.FIRST_CONTACT, IntentStage.INTERESTED, IntentStage.NOT_INTERESTED]
                )
            visits.append(visit)
        if log.needs_joint_visit and (id(log) in waiting or rng.random() < 0.7):
            log.needs_from_manager = _help_asked(
                visits[len(visits) - counted.get("visits", 0) :], rng
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
                    min(log.submitted_at + datetime.timedelta(hours=2), now),
                    log.return_reason,
                )
            )
    # Saved once the help requests name a customer of the log's own visits.
    DailyLog.objects.bulk_create(logs, batch_size=1000)
    MetricValue.objects.bulk_create(values, batch_size=5000)
    VisitRecord.objects.bulk_create(visits, batch_size=2000)
    LogEvent.objects.bulk_create(events, batch_size=2000)
    # The latest visit's stage is the prospect's stage now, as the log service keeps it.
    by_stage = defaultdict(list)
    for prospect_id, stage in stage_now.items():
        by_stage[stage].append(prospect_id)
    for stage, prospect_ids in by_stage.items():
        Prospect.objects.filter(pk__in=prospect_ids).update(stage=stage)
    _notify(logs=logs, events=events, managers=managers, today=today)
    _send_reminders(org=org)
    return len(logs)


def _send_reminders(*, org) -> None:
    """Today's scheduled reminders whose time has come, as beat would have sent them
    (recorded as run, so beat does not send them again): after 9:00 an area manager
    finds yesterday's unsigned logs escalated to them. Earlier days' are not replayed:
    they would all read as sent just now."""
    for due in reminders_due(timezone.now()):
        if due.branch_id == org.branch.pk:
            reminder_run(branch_id=due.branch_id, kind=due.kind, day=due.day)


def _notify(*, logs, events, managers, today: datetime.date) -> None:
    """The bell as the services would have filled it: requests to the signer of the logs
    still waiting, returns and commented sign-offs of the last days to the authors."""
    notices, told = [], []
    for log in logs:
        if log.status == LogStatus.SUBMITTED and (log.needs_joint_visit or log.needs_from_manager):
            notice = _notice(
                log,
                NotificationKind.HELP_REQUESTED,
                managers[log.region_id],
                gettext_noop("%(name)s asks you for a joint visit (log of %(day)s)")
                if log.needs_joint_visit
                else gettext_noop("%(name)s asks you for something (log of %(day)s)"),
                {"name": log.author.name, "day": log.date},
                log.needs_from_manager,
                log.submitted_at,
            )
            notices.append(notice)
            told += [
                (notice, ReminderSent(kind=notice.kind, day=log.date, key=f"log:{log.pk}:{part}"))
                for part in _request_parts(log)
            ]
    recent = today - datetime.timedelta(days=7)
    for event in events:
        log = event.log
        if log.date < recent:
            continue
        if event.action == LogEvent.Action.RETURNED:
            title = gettext_noop("%(name)s returned your log of %(day)s")
            kind = NotificationKind.LOG_RETURNED
        elif event.action == LogEvent.Action.SIGNED_OFF and event.comment:
            title = gettext_noop("%(name)s signed off your log of %(day)s")
            kind = NotificationKind.LOG_SIGNED_OFF
        else:
            continue
        notices.append(
            _notice(
                log,
                kind,
                log.author,
                title,
                {"name": event.actor.name, "day": log.date},
                event.comment,
                event.created_at,
            )
        )
    for notice in notices:
        # What came before yesterday has been read; the rest waits in the bell.
        if notice.kind == NotificationKind.LOG_SIGNED_OFF and (
            timezone.localdate(notice.created_at) < today - datetime.timedelta(days=1)
        ):
            notice.read_at = notice.created_at + datetime.timedelta(hours=12)
    Notification.objects.bulk_create(notices, batch_size=1000)
    for notice, sent in told:
        sent.notification, sent.created_at = notice, notice.created_at
    ReminderSent.objects.bulk_create([sent for _, sent in told])


def _notice(log, kind, recipient, message, params, body, when) -> Notification:
    notice = notification_for(
        kind=kind,
        recipient=recipient,
        title=stored_text(message, params),
        body=body,
        url=reverse("activity:log_detail", kwargs={"pk": log.pk}),
    )
    notice.created_at = when
    return notice
