import datetime
import threading

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from activity import services
from activity.models import DailyLog, LogEvent, LogStatus, Metric, Prospect
from activity.services import LogTransitionError, VisitInput
from tests import factories as f


@pytest.fixture
def metrics(db):
    return {m.code: m for m in Metric.objects.all()}


def save(author, day, *, counts=None, visits=(), submit=False, **fields):
    return services.daily_log_save(
        author=author,
        log_date=day,
        fields=fields,
        counts=counts or {},
        visits=visits,
        submit=submit,
    )


def test_default_metrics_are_seeded_by_migration(metrics):
    assert [m.name for m in Metric.objects.order_by("order")] == [
        "拜访",
        "折页",
        "留电话",
        "电话回访",
        "促成",
    ]


def test_draft_keeps_everything_typed(org, today, metrics):
    log = save(
        org.am,
        today,
        counts={metrics["visits"].pk: 5, metrics["leaflets"].pk: 30},
        visits=[VisitInput(customer="恒通物流", needs="车队统保", stage="interested")],
        remarks="下午下雨",
        needs_joint_visit=True,
    )
    assert log.status == LogStatus.DRAFT
    assert log.region == org.region
    assert {v.metric.code: v.value for v in log.values.all()} == {"visits": 5, "leaflets": 30}
    assert [(v.customer, v.needs, v.stage) for v in log.visits.all()] == [
        ("恒通物流", "车队统保", "interested")
    ]
    assert log.remarks == "下午下雨" and log.needs_joint_visit


def test_saving_again_updates_counts_and_replaces_visits(org, today, metrics):
    save(org.am, today, counts={metrics["visits"].pk: 5}, visits=[VisitInput(customer="甲")])
    log = save(
        org.am,
        today,
        counts={metrics["visits"].pk: 7},
        visits=[VisitInput(customer="乙"), VisitInput(customer="丙")],
    )
    assert DailyLog.objects.count() == 1
    assert log.values.get().value == 7
    assert [v.customer for v in log.visits.all()] == ["乙", "丙"]


def test_submit_records_the_event_and_is_not_late_on_the_day(org, today):
    log = save(org.am, today, submit=True)
    assert log.status == LogStatus.SUBMITTED
    assert not log.is_late
    event = log.events.get()
    assert (event.action, event.from_status, event.to_status, event.actor) == (
        "submitted",
        "draft",
        "submitted",
        org.am,
    )


def test_a_log_for_an_earlier_day_is_allowed_and_marked_late(org):
    # Pinned: three days before a day after a holiday can be a day of it, due later.
    with time_machine.travel(_at(datetime.date(2026, 11, 20), 21), tick=False):  # Friday
        log = save(org.am, datetime.date(2026, 11, 17), submit=True)  # Tuesday's
    assert log.is_late


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    """`hour`:`minute` in Shanghai on `day`, as the server (in UTC) sees it."""
    local = datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=datetime.UTC)
    return local - datetime.timedelta(hours=8)


# 2026 by chinese-calendar: National Day is Thursday 1 – Wednesday 7 October off, and
# Saturday 10 October is worked in lieu (调休).
@pytest.mark.parametrize(
    ("day", "handed_in", "late"),
    [
        (datetime.date(2026, 11, 21), _at(datetime.date(2026, 11, 23), 21), False),  # Sat, Mon
        (datetime.date(2026, 11, 22), _at(datetime.date(2026, 11, 23), 21), False),  # Sun, Mon
        (datetime.date(2026, 11, 21), _at(datetime.date(2026, 11, 24), 0, 3), False),  # grace
        (datetime.date(2026, 11, 21), _at(datetime.date(2026, 11, 24), 9), True),  # Sat, Tue
        (datetime.date(2026, 11, 20), _at(datetime.date(2026, 11, 23), 21), True),  # Fri, Mon
        (datetime.date(2026, 11, 20), _at(datetime.date(2026, 11, 21), 10), True),  # Fri, Sat
        (datetime.date(2026, 10, 2), _at(datetime.date(2026, 10, 8), 21), False),  # 国庆, 8th
        (datetime.date(2026, 10, 2), _at(datetime.date(2026, 10, 9), 21), True),
        (datetime.date(2026, 9, 30), _at(datetime.date(2026, 10, 8), 21), True),  # worked
        (datetime.date(2026, 10, 10), _at(datetime.date(2026, 10, 12), 21), True),  # 调休 Sat
    ],
)
def test_a_rest_days_log_is_due_with_the_next_working_days(org, day, handed_in, late):
    """An AM who worked on Saturday handed her log in on Monday and read 补交, though
    nobody owed a log that day: a rest day's log is due by the end of the next working
    day. A working day's is due by the end of its own, as before."""
    with time_machine.travel(handed_in, tick=False):
        log = save(org.am, day, submit=True)
    assert log.is_late is late
    # The day it reached the RM, her sign-off deadline's start (reports).
    reached = timezone.localdate(handed_in)
    assert log.handed_in_on == (reached if reached > day else None)


def test_a_day_off_the_admin_entered_is_a_rest_day_too(org):
    from planning.models import CalendarOverride

    wednesday = datetime.date(2026, 11, 18)
    CalendarOverride.objects.create(branch=org.branch, date=wednesday, is_working_day=False)
    with time_machine.travel(_at(wednesday + datetime.timedelta(days=1), 21), tick=False):
        assert not save(org.am, wednesday, submit=True).is_late
        # Another branch's calendar does not count for hers.
        assert save(org.foreign_am, wednesday, submit=True).is_late


def test_a_returned_or_reopened_log_handed_in_again_keeps_its_first_hand_in(org):
    """Lateness is the first hand-in's: a Saturday log handed in on Monday and returned
    on Tuesday is no 补交 when corrected on Thursday, and a 补交 stays one."""
    saturday, friday = datetime.date(2026, 11, 21), datetime.date(2026, 11, 20)
    monday = saturday + datetime.timedelta(days=2)
    with time_machine.travel(_at(monday, 21), tick=False):
        rest_days = save(org.am, saturday, submit=True)
        late = save(org.am, friday, submit=True)
    with time_machine.travel(_at(monday + datetime.timedelta(days=1), 10), tick=False):
        services.daily_log_return(log=rest_days, actor=org.rm, reason="数字有误")
        late = services.daily_log_sign_off(log=late, actor=org.rm)
        services.daily_log_reopen(log=late, actor=org.rm, reason="拜访数有误")
    with time_machine.travel(_at(monday + datetime.timedelta(days=3), 21), tick=False):
        rest_days = save(org.am, saturday, submit=True)
        late = save(org.am, friday, submit=True)
    assert (rest_days.status, rest_days.is_late, rest_days.handed_in_on) == (
        LogStatus.SUBMITTED,
        False,
        monday,
    )
    assert (late.status, late.is_late, late.handed_in_on) == (LogStatus.SUBMITTED, True, monday)


def test_future_days_are_refused(org, today):
    with pytest.raises(ValidationError):
        save(org.am, today + datetime.timedelta(days=1))
    assert not DailyLog.objects.exists()


def test_no_log_without_a_region_that_day(org, today):
    with pytest.raises(ValidationError):
        save(org.rm, today)


def test_log_keeps_the_region_of_its_day_after_a_move(org):
    from accounts.services import membership_move

    monday, wednesday = datetime.date(2026, 11, 16), datetime.date(2026, 11, 18)
    with time_machine.travel(datetime.datetime(2026, 11, 20, 10, tzinfo=datetime.UTC)):
        membership_move(user=org.am, region=org.other_region, start_date=wednesday)
        before = save(org.am, monday, submit=True)
        after = save(org.am, wednesday, submit=True)
    assert before.region == org.region
    assert after.region == org.other_region


def test_submitted_log_is_locked_for_the_author(org, today):
    save(org.am, today, submit=True)
    with pytest.raises(LogTransitionError):
        save(org.am, today, remarks="偷偷改")
    assert DailyLog.objects.get().remarks == ""


def test_full_cycle_return_resubmit_sign_off_reopen(org, today):
    log = save(org.am, today, submit=True)
    log = services.daily_log_return(log=log, actor=org.rm, reason="拜访记录太简单")
    assert log.status == LogStatus.RETURNED and log.return_reason == "拜访记录太简单"
    log = save(org.am, today, remarks="已补充", submit=True)
    assert log.status == LogStatus.SUBMITTED
    log = services.daily_log_sign_off(log=log, actor=org.rm, comment="不错")
    assert (log.status, log.signed_off_by, log.manager_comment) == (
        LogStatus.SIGNED_OFF,
        org.rm,
        "不错",
    )
    with pytest.raises(LogTransitionError):
        save(org.am, today, remarks="签批后修改")
    log = services.daily_log_reopen(log=log, actor=org.rm, reason="促成数有误")
    assert log.status == LogStatus.RETURNED and log.signed_off_by is None
    # The sign-off's "不错" is not a comment given with this return; the history keeps it.
    assert log.manager_comment == ""
    assert log.events.get(action="signed_off").comment == "不错"
    assert list(log.events.values_list("action", flat=True)) == [
        "submitted",
        "returned",
        "resubmitted",
        "signed_off",
        "reopened",
    ]
    assert log.events.get(action="reopened").comment == "促成数有误"


def test_only_the_regions_manager_may_act(org, today):
    log = save(org.am, today, submit=True)
    for someone in (org.other_rm, org.area_manager, org.branch_head, org.admin, org.am):
        with pytest.raises(PermissionDenied):
            services.daily_log_sign_off(log=log, actor=someone)
    assert DailyLog.objects.get().status == LogStatus.SUBMITTED


def test_return_and_reopen_need_a_reason(org, today):
    log = save(org.am, today, submit=True)
    with pytest.raises(ValidationError):
        services.daily_log_return(log=log, actor=org.rm, reason="  ")
    assert DailyLog.objects.get().status == LogStatus.SUBMITTED


def test_second_sign_off_of_the_same_log_fails_and_records_nothing(org, today):
    log = save(org.am, today, submit=True)
    services.daily_log_sign_off(log=log, actor=org.rm, comment="一")
    stale = DailyLog.objects.get(pk=log.pk)
    stale.status = LogStatus.SUBMITTED  # what a second tab still shows
    with pytest.raises(LogTransitionError):
        services.daily_log_sign_off(log=stale, actor=org.rm, comment="二")
    assert LogEvent.objects.filter(action="signed_off").count() == 1
    assert DailyLog.objects.get().manager_comment == "一"


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs concurrent writers: runs on PostgreSQL (production, CI); the zero-setup "
    "SQLite test database locks the whole table instead",
)
@pytest.mark.django_db(transaction=True)
def test_two_sign_offs_racing_in_threads_exactly_one_wins(org, today):
    log = save(org.am, today, submit=True)
    barrier = threading.Barrier(2)
    outcomes = []

    def sign(comment):
        try:
            barrier.wait()
            services.daily_log_sign_off(
                log=DailyLog.objects.get(pk=log.pk), actor=org.rm, comment=comment
            )
            outcomes.append("ok")
        except LogTransitionError:
            outcomes.append("lost")
        finally:
            connection.close()

    threads = [threading.Thread(target=sign, args=(c,)) for c in ("一", "二")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["lost", "ok"]
    assert LogEvent.objects.filter(action="signed_off").count() == 1


def test_bulk_sign_off_records_each_log_and_skips_handled_ones(org, today):
    logs = [save(u, today, submit=True) for u in (org.am, org.peer_am)]
    services.daily_log_return(log=logs[1], actor=org.rm, reason="重填")
    done = services.daily_logs_sign_off(logs=logs, actor=org.rm, comment="好")
    assert [s.pk for s in done.signed] == [logs[0].pk]
    assert [s.pk for s in done.not_waiting] == [logs[1].pk]
    assert LogEvent.objects.filter(action="signed_off").count() == 1


def test_bulk_sign_off_never_signs_a_log_that_asks_for_help(org, today):
    asking = save(org.am, today, submit=True, needs_joint_visit=True)
    plain = save(org.peer_am, today, submit=True)
    # Stale in memory: signed meanwhile (another tab) while it was loaded as submitted.
    stale = DailyLog.objects.get(pk=plain.pk)
    services.daily_log_sign_off(log=plain, actor=org.rm)
    done = services.daily_logs_sign_off(logs=[asking, stale], actor=org.rm, comment="好")
    assert (done.signed, done.asking_for_help, done.not_waiting) == ([], [asking], [stale])
    assert DailyLog.objects.get(pk=asking.pk).status == LogStatus.SUBMITTED


@pytest.mark.parametrize(
    "request_for",
    [{"needs_joint_visit": True}, {"needs_from_manager": "请陪同"}, {"support_material": True}],
)
def test_a_log_asking_for_help_is_signed_off_only_with_an_answer(org, today, request_for):
    """QA (phone): a log asking for a joint visit was signed off with an empty 批示: its
    author heard nothing, as a sign-off without a comment tells nobody."""
    asking = save(org.am, today, submit=True, **request_for)
    for comment in ("", "  \n "):
        with pytest.raises(ValidationError) as refused:
            services.daily_log_sign_off(log=asking, actor=org.rm, comment=comment)
        assert list(refused.value.message_dict) == ["comment"]
    assert DailyLog.objects.get(pk=asking.pk).status == LogStatus.SUBMITTED
    services.daily_log_sign_off(log=asking, actor=org.rm, comment="周四下午我陪你去")
    assert DailyLog.objects.get(pk=asking.pk).status == LogStatus.SIGNED_OFF
    assert org.am.notifications.get().body == "周四下午我陪你去"
    # A log asking for nothing is still signed off without a word.
    plain = save(org.peer_am, today, submit=True)
    services.daily_log_sign_off(log=plain, actor=org.rm)
    assert DailyLog.objects.get(pk=plain.pk).status == LogStatus.SIGNED_OFF


def test_visit_can_create_a_prospect_inline_and_updates_its_stage(org, today):
    save(
        org.am,
        today,
        visits=[
            VisitInput(
                customer="鑫源汽修",
                stage="interested",
                new_prospect={"phone": "13900001111", "source": "referral"},
            )
        ],
    )
    prospect = Prospect.objects.get()
    assert (prospect.owner, prospect.name, prospect.phone, prospect.stage) == (
        org.am,
        "鑫源汽修",
        "13900001111",
        "interested",
    )
    save(
        org.am,
        today,
        visits=[VisitInput(customer="鑫源汽修", prospect_id=prospect.pk, stage="ready_to_close")],
    )
    prospect.refresh_from_db()
    assert prospect.stage == "ready_to_close"
    assert Prospect.objects.count() == 1


def test_a_visit_cannot_point_at_someone_elses_prospect(org, today):
    theirs = f.ProspectFactory(owner=org.peer_am)
    log = save(org.am, today, visits=[VisitInput(customer="x", prospect_id=theirs.pk)])
    assert log.visits.get().prospect is None


def test_notifications_are_written_in_the_default_language_not_the_actors(org, today):
    """An RM reading English returned a log, and the AM reading Chinese got an English
    title; reminders, written by the worker, were Chinese all along."""
    from django.utils import translation

    from activity.models import Notification

    log = f.DailyLogFactory(author=org.am, region=org.region, date=today)
    with translation.override("en"):
        services.daily_log_return(log=log, actor=org.rm, reason="请补充拜访记录")
    assert "退回" in Notification.objects.get(recipient=org.am).title


def test_correcting_an_earlier_log_leaves_a_prospects_later_stage(org, today):
    """QA: an RM returned Monday's log to correct a count; resubmitting it put the
    prospect the AM had moved on to 即将成交 since back to 初次接触."""
    moved_on = f.ProspectFactory(owner=org.am, name="恒通物流")
    seen_once = f.ProspectFactory(owner=org.am, name="城东汽修厂")
    earlier = today - datetime.timedelta(days=2)
    first_visits = [
        VisitInput(customer="恒通物流", prospect_id=moved_on.pk, stage="first_contact"),
        VisitInput(customer="城东汽修厂", prospect_id=seen_once.pk, stage="interested"),
    ]
    save(org.am, earlier, visits=first_visits)
    save(
        org.am,
        today,
        visits=[VisitInput(customer="恒通物流", prospect_id=moved_on.pk, stage="ready_to_close")],
    )
    save(org.am, earlier, visits=first_visits, remarks="补上拜访数")

    moved_on.refresh_from_db()
    seen_once.refresh_from_db()
    assert (moved_on.stage, seen_once.stage) == ("ready_to_close", "interested")


def test_a_visit_removed_from_a_draft_leaves_the_stage_of_her_visit_before(org, today):
    """QA: Monday's visit put 鑫源汽修 at 待促成; Tuesday's draft marked her 已成交 by
    mistake and the visit was removed, or moved to another prospect: her page still said
    已成交. A visit of Tuesday whose stage was cleared is the same."""
    removed = f.ProspectFactory(owner=org.am, name="鑫源汽修")
    relinked = f.ProspectFactory(owner=org.am, name="恒通物流")
    cleared = f.ProspectFactory(owner=org.am, name="城东汽修厂")
    other = f.ProspectFactory(owner=org.am, name="嘉禾4S店")
    monday = today - datetime.timedelta(days=1)
    save(
        org.am,
        monday,
        visits=[
            VisitInput(customer=p.name, prospect_id=p.pk, stage="ready_to_close")
            for p in (removed, relinked, cleared)
        ],
    )
    save(
        org.am,
        today,
        visits=[
            VisitInput(customer=p.name, prospect_id=p.pk, stage="won")
            for p in (removed, relinked, cleared)
        ],
    )
    save(
        org.am,
        today,
        visits=[
            VisitInput(customer="嘉禾4S店", prospect_id=other.pk, stage="won"),
            VisitInput(customer="城东汽修厂", prospect_id=cleared.pk, stage=""),
        ],
    )
    stages = dict(Prospect.objects.values_list("name", "stage"))
    assert stages == {
        "鑫源汽修": "ready_to_close",
        "恒通物流": "ready_to_close",
        "城东汽修厂": "ready_to_close",
        "嘉禾4S店": "won",
    }


@pytest.mark.parametrize("visits", [3, 15])
def test_saving_visits_takes_the_same_queries_however_many(org, today, visits):
    """A log of 15 visits to her prospects wrote each prospect's stage in a query of its
    own. Budget: 2 the log, 1 counts (none), 4 visits (the prospects visited before,
    delete, prospects, insert), 1 later visits, 1 stage update (one stage here), 2 the transaction's savepoint, 1 the
    author's lock (a double tap makes one log)."""
    prospects = [f.ProspectFactory(owner=org.am) for _ in range(visits)]
    typed = [VisitInput(customer=p.name, prospect_id=p.pk, stage="interested") for p in prospects]
    with CaptureQueriesContext(connection) as queries:
        save(org.am, today, visits=typed)
    assert len(queries) == 13, [q["sql"][:80] for q in queries]
    assert Prospect.objects.filter(stage="interested").count() == visits


# 23:59:30 and 00:01 on 1-2 December in Shanghai, as the server (in UTC) sees them.
BEFORE_MIDNIGHT = datetime.datetime(2026, 12, 1, 15, 59, 30, tzinfo=datetime.UTC)
JUST_AFTER = datetime.datetime(2026, 12, 1, 16, 1, tzinfo=datetime.UTC)
AN_HOUR_AFTER = datetime.datetime(2026, 12, 1, 17, 0, tzinfo=datetime.UTC)


@pytest.mark.parametrize(("arrives", "late"), [(JUST_AFTER, False), (AN_HOUR_AFTER, True)])
def test_a_log_tapped_in_at_2359_that_arrives_after_midnight_is_on_time(org, arrives, late):
    """Filled in on its day and handed in on a slow network: it lands on its own day, and
    is marked late only when it arrives well after the day ended (Shanghai time, though
    the server's clock runs in UTC)."""
    day = datetime.date(2026, 12, 1)
    with time_machine.travel(BEFORE_MIDNIGHT, tick=False):
        save(org.am, day, remarks="晚上补写")
    with time_machine.travel(arrives, tick=False):
        log = save(org.am, day, submit=True)
    assert (log.date, log.is_late) == (day, late)


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs concurrent writers: runs on PostgreSQL (production, CI); the zero-setup "
    "SQLite test database locks the whole table instead",
)
@pytest.mark.django_db(transaction=True)
def test_a_double_tap_on_submit_of_a_new_log_is_one_log_and_no_server_error(org, today):
    """A log typed on the phone and never saved, 提交 tapped twice on a slow network: both
    posts found no log and both inserted one; the second broke on the one-log-a-day rule
    (a server error page, shown last)."""
    barrier = threading.Barrier(2)
    outcomes = []

    def submit():
        try:
            barrier.wait()
            save(org.am, today, submit=True, remarks="一次")
            outcomes.append("ok")
        except LogTransitionError:
            outcomes.append("already submitted")
        except Exception as error:  # noqa: BLE001 - the failure under test
            outcomes.append(type(error).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["already submitted", "ok"]
    assert DailyLog.objects.get().status == LogStatus.SUBMITTED
    assert LogEvent.objects.filter(action="submitted").count() == 1


def _new(customer, phone="", **fields):
    return VisitInput(customer=customer, new_prospect={"phone": phone, "source": ""}, **fields)


def test_two_visits_adding_one_customer_make_one_prospect(org, today):
    """QA: two visits of one log to 恒通物流 (morning and afternoon), each ticked "add to my
    prospects", put 恒通物流 twice on her list. Names compare as the plan check does:
    full-width and spaces typed on a phone are the same name."""
    log = save(
        org.am,
        today,
        visits=[
            _new("嘉禾４Ｓ店", stage="first_contact"),
            _new("嘉禾 4S店", "13900001111", stage="interested"),
            _new("恒通物流"),
        ],
    )
    jiahe = Prospect.objects.get(name="嘉禾４Ｓ店")
    assert Prospect.objects.filter(owner=org.am).count() == 2
    assert [v.prospect_id for v in log.visits.order_by("order")][:2] == [jiahe.pk, jiahe.pk]
    assert (jiahe.phone, jiahe.stage) == ("13900001111", "interested")  # the later visit's


def test_one_name_with_two_phones_is_two_customers(org, today):
    """王先生 at 139… and 王先生 at 186…: two people of one name, two prospects."""
    save(org.am, today, visits=[_new("王先生", "13900001111"), _new("王先生", "18600002222")])
    assert sorted(Prospect.objects.values_list("phone", flat=True)) == [
        "13900001111",
        "18600002222",
    ]


def test_adding_a_customer_she_already_has_links_the_visit_to_it(org, today):
    """The name typed is on her list already (the list was not picked from, or typed with a
    full-width letter): the visit is linked to that prospect, not a second one made. A
    phone she lacked is kept; a phone she has is not overwritten."""
    known = f.ProspectFactory(owner=org.am, name="嘉禾4S店", phone="", stage="first_contact")
    f.ProspectFactory(owner=org.peer_am, name="恒通物流")  # another AM's is not hers
    log = save(
        org.am,
        today,
        visits=[_new("嘉禾４Ｓ店", "13900001111", stage="interested"), _new("恒通物流")],
    )
    known.refresh_from_db()
    assert log.visits.order_by("order").first().prospect_id == known.pk
    assert (known.phone, known.stage) == ("13900001111", "interested")
    assert Prospect.objects.filter(owner=org.am).count() == 2

    has_phone = f.ProspectFactory(owner=org.am, name="城东汽修厂", phone="13700003333")
    save(org.am, today, visits=[_new("城东汽修厂", "18600002222")])
    assert Prospect.objects.filter(owner=org.am, name="城东汽修厂").count() == 2
    has_phone.refresh_from_db()
    assert has_phone.phone == "13700003333"
