"""Benchmark: the weekly summary and the roll-up at real size, against raw SQL.

Builds (in its own PostgreSQL database, dropped and recreated) 4 branches × 10
regions × 50 account managers = 2,000 AMs with a log for every day of one year
and 7 metrics: 2,000 × 365 × 7 = 5.11M metric values. Region week targets are set
for the whole year. Then it measures, in the same run:

1. the summary page's server time for one branch-week (live, before any roll-up),
   through Django's test client with the branch head logged in;
2. the raw indexed SQL for the same numbers (actual per region × metric, headcount,
   region targets);
3. the full roll-up rebuild (every branch × every week, what `manage.py
   rollup_rebuild` queues) against one raw SQL GROUP BY (region, week, metric) over
   the same metric values: over existing snapshots (the target's figure: weeks whose
   numbers did not change keep their rows), and from empty (every row inserted, as
   on a first deployment), both printed;
4. the same weeks rolled up one branch-week task at a time (the weekly schedule's
   unit), for scale.

Run:  DATABASE_URL=postgres://postgres@127.0.0.1:5432/footwork_bench \
      .venv/bin/python bench/summary_rollup.py [--ams-per-region 50] [--repeat 5]
Targets: summary ≤ 2× raw SQL; roll-up ≤ 1.5× raw SQL.
"""

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/footwork_bench")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")

BRANCHES, REGIONS_PER_BRANCH = 4, 10
EXTRA_METRICS = [
    ("recruiting", "增员", "Recruiting contacts", 60),
    ("proposals", "建议书", "Proposals", 70),
]


def recreate_database(url: str) -> None:
    import psycopg2
    from psycopg2 import sql

    name = url.rsplit("/", 1)[1]
    admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    admin.close()


def timed(fn, repeat: int) -> float:
    """Median wall time of `repeat` runs, after one warm-up run, in milliseconds."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def generate(ams_per_region: int, first_day: datetime.date, last_day: datetime.date) -> None:
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    from activity.models import Metric

    for code, name, name_en, order in EXTRA_METRICS:
        Metric.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "order": order}
        )
    password = make_password("bench-password")
    with connection.cursor() as c:
        # Generating millions of rows takes minutes; the app's 30 s statement cap is for pages.
        c.execute("SET statement_timeout = 0")
        c.execute(
            """
            INSERT INTO accounts_user (employee_no, name, mobile, email, role, is_active, is_staff,
                                       is_superuser, must_change_password, date_joined, password)
            SELECT 'H' || b, '负责人' || b, '', '', 'branch_head', true, false, false, false, now(), %s
            FROM generate_series(1, %s) b
            """,
            [password, BRANCHES],
        )
        c.execute(
            """INSERT INTO accounts_branch (name, head_id)
               SELECT '分公司' || b, u.id FROM generate_series(1, %s) b
               JOIN accounts_user u ON u.employee_no = 'H' || b""",
            [BRANCHES],
        )
        c.execute(
            """
            INSERT INTO accounts_user (employee_no, name, mobile, email, role, is_active, is_staff,
                                       is_superuser, must_change_password, date_joined, password)
            SELECT 'R' || b || '-' || r, '区域经理' || b || '-' || r, '', '', 'rm', true, false, false, false, now(), %s
            FROM generate_series(1, %s) b, generate_series(1, %s) r
            """,
            [password, BRANCHES, REGIONS_PER_BRANCH],
        )
        c.execute(
            """INSERT INTO accounts_region (branch_id, name, manager_id)
               SELECT br.id, '区域' || r, u.id
               FROM generate_series(1, %s) b, generate_series(1, %s) r
               JOIN accounts_branch br ON true
               JOIN accounts_user u ON true
               WHERE br.name = '分公司' || b AND u.employee_no = 'R' || b || '-' || r""",
            [BRANCHES, REGIONS_PER_BRANCH],
        )
        c.execute(
            """
            INSERT INTO accounts_user (employee_no, name, mobile, email, role, is_active, is_staff,
                                       is_superuser, must_change_password, date_joined, password)
            SELECT 'A' || reg.id || '-' || n, '客户经理' || reg.id || '-' || n, '', '', 'am', true, false, false,
                   false, now(), %s
            FROM accounts_region reg, generate_series(1, %s) n
            """,
            [password, ams_per_region],
        )
        c.execute(
            """INSERT INTO accounts_regionmembership (user_id, region_id, start_date)
               SELECT u.id, reg.id, %s FROM accounts_region reg
               JOIN accounts_user u ON u.employee_no LIKE 'A' || reg.id || '-%%'""",
            [first_day],
        )
        c.execute(
            """
            INSERT INTO activity_dailylog (author_id, region_id, date, status, needs_joint_visit,
                needs_from_manager, support_training, support_material, support_notes, remarks,
                submitted_at, is_late, handed_in_on, signed_off_by_id, signed_off_at,
                manager_comment, return_reason, created_at, updated_at)
            SELECT author_id, region_id, day, status, false, '', false, false, '', '',
                   day + interval '18 hours', late,
                   -- as a hand-in stores it (activity.services.reached_rm_on)
                   CASE WHEN late THEN ((day + interval '18 hours')::timestamptz AT TIME ZONE 'Asia/Shanghai')::date
                   END,
                   CASE WHEN status = 'signed_off' THEN manager_id END,
                   CASE WHEN status = 'signed_off' THEN day + interval '1 day 10 hours' END,
                   '', '', day, day
            FROM (
                SELECT m.user_id AS author_id, m.region_id, r.manager_id, d::date AS day,
                       CASE WHEN random() < 0.9 THEN 'signed_off' ELSE 'submitted' END AS status,
                       random() < 0.05 AS late
                FROM accounts_regionmembership m
                JOIN accounts_region r ON r.id = m.region_id,
                generate_series(%s::date, %s::date, interval '1 day') d
            ) logs
            """,
            [first_day, last_day],
        )
        c.execute(
            """INSERT INTO activity_metricvalue (log_id, metric_id, value)
               SELECT l.id, m.id, floor(random() * 20)::int
               FROM activity_dailylog l, activity_metric m WHERE m.is_active"""
        )
        c.execute(
            """
            INSERT INTO planning_target (region_id, metric_id, period_kind, period_start, value,
                                         updated_by_id, updated_at)
            SELECT reg.id, m.id, 'week', w::date, 300 + floor(random() * 200)::int, reg.manager_id, now()
            FROM accounts_region reg, activity_metric m,
                 generate_series(date_trunc('week', %s::date), %s::date, interval '1 week') w
            WHERE m.is_active
            """,
            [first_day, last_day],
        )
        c.execute("ANALYZE")


RAW_SUMMARY_SQL = [
    # actual per region × metric for the branch-week
    """SELECT l.region_id, v.metric_id, SUM(v.value) FROM activity_metricvalue v
       JOIN activity_dailylog l ON l.id = v.log_id JOIN accounts_region r ON r.id = l.region_id
       WHERE r.branch_id = %(branch)s AND l.date BETWEEN %(start)s AND %(end)s
         AND l.status IN ('submitted', 'signed_off')
       GROUP BY l.region_id, v.metric_id""",
    # headcount per region
    """SELECT m.region_id, COUNT(*) FROM accounts_regionmembership m JOIN accounts_region r ON r.id = m.region_id
       WHERE r.branch_id = %(branch)s AND m.start_date <= %(end)s AND (m.end_date IS NULL OR m.end_date >= %(start)s)
       GROUP BY m.region_id""",
    # region targets
    """SELECT t.region_id, t.metric_id, SUM(t.value) FROM planning_target t JOIN accounts_region r ON r.id = t.region_id
       WHERE r.branch_id = %(branch)s AND t.period_kind = 'week' AND t.period_start = %(start)s
       GROUP BY t.region_id, t.metric_id""",
]

RAW_ROLLUP_SQL = """
    SELECT l.region_id, date_trunc('week', l.date) AS week, v.metric_id, SUM(v.value)
    FROM activity_metricvalue v JOIN activity_dailylog l ON l.id = v.log_id
    WHERE l.date BETWEEN %(start)s AND %(end)s AND l.status IN ('submitted', 'signed_off')
    GROUP BY l.region_id, week, v.metric_id
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ams-per-region", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="reuse the generated database")
    args = parser.parse_args()

    url = os.environ["DATABASE_URL"]
    if not url.startswith("postgres"):
        sys.exit("The benchmark runs on PostgreSQL: set DATABASE_URL=postgres://…")
    if not args.keep:
        recreate_database(url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from accounts.models import Branch
    from activity.models import MetricValue
    from planning import periods
    from reports import services

    today = timezone.localdate()
    last_day = periods.week_start(today) - datetime.timedelta(days=1)  # the last closed Sunday
    first_day = last_day - datetime.timedelta(days=364)
    if not args.keep:
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        generate(args.ams_per_region, first_day, last_day)
        print(f"generated in {time.perf_counter() - started:.0f} s")
    generated = "activity_metricvalue" in connection.introspection.table_names()
    values = MetricValue.objects.count() if generated else 0
    if not values:
        sys.exit(f"{url} holds no generated org: run once without --keep to build it (≈ 3 min).")
    ams = BRANCHES * REGIONS_PER_BRANCH * args.ams_per_region
    print(
        f"org: {BRANCHES} branches, {BRANCHES * REGIONS_PER_BRANCH} regions, {ams} AMs; "
        f"{values:,} metric values from {first_day} to {last_day}"
    )

    branch = Branch.objects.order_by("pk").first()
    week = periods.week_start(last_day)
    params = {"branch": branch.pk, "start": week, "end": week + datetime.timedelta(days=6)}

    client = Client()
    client.force_login(branch.head)
    url_ = f"/reports/?branch={branch.pk}&start={params['start']}&end={params['end']}"

    def page():
        response = client.get(url_)
        assert response.status_code == 200, response.status_code

    def raw_summary():
        with connection.cursor() as cursor:
            for statement in RAW_SUMMARY_SQL:
                cursor.execute(statement, params)
                cursor.fetchall()

    from reports.models import RegionWeekSnapshot

    RegionWeekSnapshot.objects.all().delete()  # the live path: no snapshots yet
    page_ms = timed(page, args.repeat)
    raw_ms = timed(raw_summary, args.repeat)
    print(
        f"summary page (live, one branch-week): {page_ms:.1f} ms; raw SQL: {raw_ms:.1f} ms; "
        f"ratio {page_ms / raw_ms:.2f} (target ≤ 2)"
    )

    weeks = []
    w = periods.week_start(first_day)
    while w <= last_day:
        weeks.append(w)
        w += datetime.timedelta(weeks=1)
    branch_ids = list(Branch.objects.values_list("pk", flat=True))

    def rebuild():
        # What `manage.py rollup_rebuild` queues: one task per 10 branches, all their weeks.
        services.rollup_branches_weeks(branch_ids=branch_ids, weeks=weeks)

    def rebuild_week_by_week():
        # What the weekly schedule does, here for every week: one task per branch-week.
        for branch_id in branch_ids:
            for week_start in weeks:
                services.rollup_branch_week(branch_id=branch_id, week=week_start)

    def raw_rollup():
        with connection.cursor() as cursor:
            cursor.execute(RAW_ROLLUP_SQL, {"start": weeks[0], "end": last_day})
            cursor.fetchall()

    def ms(fn) -> float:
        started = time.perf_counter()
        fn()
        return (time.perf_counter() - started) * 1000

    def from_empty() -> float:
        RegionWeekSnapshot.objects.all().delete()
        with connection.cursor() as cursor:  # as after a first deployment: no dead rows
            cursor.execute("VACUUM ANALYZE reports_regionweeksnapshot, reports_metricweeksnapshot")
        return ms(rebuild)

    # Rounds alternate the raw SQL and the roll-up, so that a slow spell of the machine
    # (the figures wander by ±15 % here) weighs on both sides alike; medians are reported.
    raw_rollup()  # warm-up
    raw_runs, empty_runs, rebuild_runs = [], [], []
    for _ in range(max(3, args.repeat)):
        raw_runs.append(ms(raw_rollup))
        empty_runs.append(from_empty())
        raw_runs.append(ms(raw_rollup))
        rebuild_runs.append(ms(rebuild))  # over the snapshots just written
    raw_rollup_ms = statistics.median(raw_runs)
    rebuild_ms, empty_ms = statistics.median(rebuild_runs), statistics.median(empty_runs)
    scope = f"{len(branch_ids)} branches × {len(weeks)} weeks, one task for up to 10 branches"
    print(
        f"raw SQL GROUP BY over the year's metric values: {raw_rollup_ms / 1000:.2f} s "
        f"(median of {len(raw_runs)})"
    )
    print(
        f"full roll-up rebuild ({scope}), over existing snapshots: {rebuild_ms / 1000:.2f} s "
        f"(median of {len(rebuild_runs)}); ratio {rebuild_ms / raw_rollup_ms:.2f} (target ≤ 1.5)"
    )
    print(
        f"full roll-up from empty (first run, every row inserted): {empty_ms / 1000:.2f} s "
        f"(median of {len(empty_runs)}); ratio {empty_ms / raw_rollup_ms:.2f}"
    )
    started = time.perf_counter()
    rebuild_week_by_week()
    weekly_ms = (time.perf_counter() - started) * 1000
    print(
        f"the same, week by week ({len(branch_ids) * len(weeks)} branch-week tasks, as the "
        f"schedule runs them): {weekly_ms / 1000:.1f} s; ratio {weekly_ms / raw_rollup_ms:.2f}"
    )

    served_ms = timed(page, args.repeat)
    print(f"summary page (closed week, from snapshots): {served_ms:.1f} ms")


if __name__ == "__main__":
    main()
