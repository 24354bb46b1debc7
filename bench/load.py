"""Load test: the main paths at a realistic mix, against gunicorn + PostgreSQL + Redis.

Starts gunicorn itself (production settings, loopback only), logs a spread of people
in, then runs locust (bench/locustfile.py, one process, headless) in phases:

1. warm-up: the mixed load for a few seconds, not reported;
2. bare: a bare authenticated Django page (/password/done/) at the maximum rate;
3. log page: the AM's daily-log page (GET /logs/<today>/edit/) at the maximum rate;
4. mix: account managers opening today's log and saving a draft, regional managers
   opening the sign-off queue and a waiting log and signing it off (a sign-off opens
   the next waiting log, as in the app), branch heads reading the weekly summary, held
   at --rate requests/s (every redirect hop is one request).

It prints p50/p95/p99, requests/s and errors per path, the daily-log page's throughput
as a share of the bare page's, and checks the targets: log page ≥ 60 % of the bare
page, 0 errors, p95 ≤ 150 ms for every path at 100 requests/s. Exit status 0 when
every target is met, 1 otherwise (or when the stack could not be started). Each phase
is bounded by its duration and by --max-requests. Outputs (locust CSVs and logs, the
gunicorn log) go to bench/out/, which git ignores.

Run (≈ 4 minutes with the defaults; the database must exist, see bench/summary_rollup.py):

    .venv/bin/python bench/load.py
    .venv/bin/python bench/load.py --mix-seconds 30 --bare-seconds 15 --log-seconds 15
    .venv/bin/python bench/load.py --workers 5 --rate 100 --database-url postgres://...

Data: the large generated org (database footwork_bench_full: 4 branches, 40 regions,
2,000 AMs, a year of logs; every password is 'bench-password'). The run writes to it:
today's draft logs of the simulated AMs and sign-offs of submitted logs (about 10 % of
the generated logs are waiting, so many runs are possible before the queues run dry;
rebuilding it is `bench/summary_rollup.py` without --keep, about 3 minutes).

The machine: the generator (locust, one process, FastHttpUser) runs on the same cores
as gunicorn and PostgreSQL; the report shows how much CPU it used in each phase, and
the gunicorn workers' CPU per request, which other load on the machine disturbs less
than throughput does.
Secure cookies over loopback http: locust's client sends them like a browser does to
http://127.0.0.1, so production settings stay as they are.
"""

import argparse
import concurrent.futures
import csv
import datetime
import json
import os
import random
import re
import resource
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import zoneinfo
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"  # in .gitignore
STATIC_ROOT = OUT / "staticfiles"
VENV_BIN = Path(sys.executable).parent
PASSWORD = "bench-password"  # noqa: S105  (the generated org's, see summary_rollup.py)
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# Mixed-load shares of the requests: AMs open and save logs (4 requests a round),
# RMs sign off (2 requests a log, and the queue when it is done), branch heads read the
# summary now and then.
SHARES = {"am": 0.64, "rm": 0.32, "bh": 0.04}
TARGET_RATIO, TARGET_P95_MS = 0.60, 150


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/footwork_bench_full"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--rate", type=float, default=100, help="mixed load, requests/s")
    parser.add_argument("--warmup-seconds", type=int, default=15)
    parser.add_argument("--bare-seconds", type=int, default=40)
    parser.add_argument("--log-seconds", type=int, default=40)
    parser.add_argument("--mix-seconds", type=int, default=90)
    parser.add_argument(
        "--max-rate-users", type=int, default=8, help="concurrent users, max-rate phases"
    )
    parser.add_argument("--am", type=int, default=32, help="simulated account managers")
    parser.add_argument("--rm", type=int, default=16, help="simulated regional managers")
    parser.add_argument("--bh", type=int, default=4, help="simulated branch heads")
    parser.add_argument(
        "--max-requests", type=int, default=60000, help="per phase, a bound besides time"
    )
    parser.add_argument("--seed", type=int, default=20261124)
    return parser.parse_args()


# --- the people -------------------------------------------------------------------


def interleaved(rows: list[tuple], key_index: int) -> list[tuple]:
    """Rows grouped by rows[key_index] taken round-robin: 1st of each group, 2nd, ..."""
    groups: dict = {}
    for row in rows:
        groups.setdefault(row[key_index], []).append(row)
    out = []
    for i in range(max(len(g) for g in groups.values())):
        out.extend(g[i] for g in groups.values() if i < len(g))
    return out


def choose_people(args, today: datetime.date) -> dict[str, list[dict]]:
    """AMs spread evenly over regions (and branches), RMs over branches, all branch heads."""
    import psycopg2

    rng = random.Random(args.seed)
    with psycopg2.connect(args.database_url) as connection, connection.cursor() as c:
        c.execute(
            """SELECT r.branch_id, r.id, array_agg(u.employee_no ORDER BY u.id)
               FROM accounts_region r
               JOIN accounts_regionmembership m ON m.region_id = r.id
                    AND m.start_date <= %s AND (m.end_date IS NULL OR m.end_date >= %s)
               JOIN accounts_user u ON u.id = m.user_id AND u.is_active AND u.role = 'am'
               GROUP BY r.branch_id, r.id ORDER BY r.branch_id, r.id""",
            [today, today],
        )
        regions = interleaved(c.fetchall(), 0)
        c.execute(
            """SELECT r.branch_id, u.employee_no
               FROM accounts_region r JOIN accounts_user u ON u.id = r.manager_id
               WHERE u.role = 'rm' AND u.is_active AND EXISTS (
                   SELECT 1 FROM activity_dailylog l
                   WHERE l.region_id = r.id AND l.status = 'submitted')
               ORDER BY r.branch_id, r.id"""
        )
        rms = interleaved(c.fetchall(), 0)
        c.execute(
            """SELECT b.id, u.employee_no FROM accounts_branch b
               JOIN accounts_user u ON u.id = b.head_id WHERE u.is_active ORDER BY b.id"""
        )
        heads = c.fetchall()
    if len(regions) == 0 or len(rms) == 0 or len(heads) == 0:
        raise SystemExit("The database has no AMs, RMs with waiting logs, or branch heads.")
    ams, used = [], set()
    for i in range(args.am):
        _branch, _region, members = regions[i % len(regions)]
        choices = [m for m in members if m not in used] or members
        employee_no = rng.choice(choices)
        used.add(employee_no)
        ams.append({"employee_no": employee_no})
    return {
        "am": ams,
        "rm": [{"employee_no": no} for _b, no in rms[: args.rm]],
        "bh": [{"employee_no": no, "branch": b} for b, no in heads[: args.bh]],
    }


def log_in(host: str, employee_no: str) -> dict[str, str]:
    """POST the login form like a browser; return the session's cookies."""
    jar: dict[str, str] = {}

    def call(path: str, data: dict | None = None) -> str:
        request = urllib.request.Request(  # noqa: S310  (http://127.0.0.1 only)
            host + path,
            data=urllib.parse.urlencode(data).encode() if data else None,
            headers={
                "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items()),
                "Referer": host + path,
            },
        )
        opener = urllib.request.build_opener(NoRedirect)
        try:
            response = opener.open(request, timeout=30)
        except urllib.error.HTTPError as error:  # the 302 after a successful login
            response = error
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            jar[name.strip()] = rest.split(";", 1)[0]
        return response.read().decode()

    page = call("/login/")
    token = CSRF_RE.search(page).group(1)
    call("/login/", {"username": employee_no, "password": PASSWORD, "csrfmiddlewaretoken": token})
    if "sessionid" not in jar:
        raise RuntimeError(f"login failed for {employee_no}")
    return jar


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


# --- the server -------------------------------------------------------------------


def server_env(args) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "bench-only-" + "x" * 50,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "DJANGO_LOG_LEVEL": "WARNING",
        "DJANGO_STATIC_ROOT": str(STATIC_ROOT),
    }


def ensure_static(env: dict[str, str]) -> None:
    """Production's manifest storage needs collectstatic output: bench/out/staticfiles,
    refreshed when a file under static/ is newer than its manifest."""
    manifest = STATIC_ROOT / "staticfiles.json"
    newest = max(p.stat().st_mtime for p in (ROOT / "static").rglob("*") if p.is_file())
    if not manifest.exists() or manifest.stat().st_mtime < newest:
        print("collectstatic ...", flush=True)
        subprocess.run(  # noqa: S603
            [str(VENV_BIN / "python"), "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
        )


def ensure_migrated(env: dict[str, str]) -> None:
    """A database generated by an earlier version lacks the newer columns: every page
    that reads them would answer 500 and count as errors."""
    subprocess.run(  # noqa: S603
        [str(VENV_BIN / "python"), "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


def start_gunicorn(args, env: dict[str, str]) -> subprocess.Popen:
    log = open(OUT / "gunicorn.log", "w")  # noqa: SIM115  (closed with the process)
    process = subprocess.Popen(  # noqa: S603
        [
            str(VENV_BIN / "gunicorn"),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            "--timeout",
            "30",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited ({process.returncode}); see {log.name}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{args.port}/login/", timeout=2) as r:
                if r.status == 200:
                    return process
        except OSError:
            time.sleep(0.3)
    stop(process)
    raise SystemExit(f"gunicorn did not answer within 30 s; see {log.name}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- the phases -------------------------------------------------------------------


def server_cpu(server: subprocess.Popen) -> float:
    """CPU seconds used so far by gunicorn's workers (PostgreSQL's share is not included)."""
    import psutil  # comes with locust

    total = 0.0
    for worker in psutil.Process(server.pid).children():
        try:
            times = worker.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


def run_locust(args, name, classes, users, seconds, env, server, spawn_seconds=0.0):
    """One headless locust run: its per-path rows, the generator's CPU seconds and
    gunicorn's CPU seconds. Users start over `spawn_seconds` (statistics are reset once
    all have started) so that paced users do not all fire at the same instants."""
    if seconds <= 0:
        return [], 0.0, 0.0
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_before = server_cpu(server)
    subprocess.run(  # noqa: S603
        [
            str(VENV_BIN / "locust"),
            "-f",
            str(ROOT / "bench" / "locustfile.py"),
            "--headless",
            "--users",
            str(users),
            "--spawn-rate",
            f"{users / spawn_seconds if spawn_seconds > 0 else users:.3f}",
            "--run-time",
            f"{seconds}s",
            "--reset-stats",
            "--only-summary",
            "--csv",
            str(OUT / name),
            "--loglevel",
            "WARNING",
            "--stop-timeout",
            "5",
            *classes,
        ],
        cwd=ROOT,
        env=env,
        check=False,  # locust exits 1 when a request failed; the table says which
        stdout=subprocess.DEVNULL,
        stderr=open(OUT / f"{name}.log", "w"),  # noqa: SIM115
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    server_used = server_cpu(server) - server_before
    with open(OUT / f"{name}_stats.csv", encoding="utf-8") as f:
        rows = [row for row in csv.DictReader(f) if row["Name"] != "Aggregated"]
    return rows, cpu, server_used


def print_table(title: str, rows: list[dict], seconds: int, cpu: float, server: float) -> None:
    if seconds <= 0:
        return
    count = sum(int(r["Request Count"]) for r in rows) or 1
    print(
        f"\n{title}  (gunicorn workers: {server / count * 1000:.1f} ms CPU per request;"
        f" generator: {cpu / seconds * 100:.0f}% of one core)"
    )
    print(f"{'path':46} {'reqs':>7} {'req/s':>7} {'err':>5} {'p50':>6} {'p95':>6} {'p99':>6}")
    for row in rows:
        print(
            f"{row['Name']:46} {int(row['Request Count']):7d} {float(row['Requests/s']):7.1f}"
            f" {int(row['Failure Count']):5d} {row['50%']:>6} {row['95%']:>6} {row['99%']:>6}"
        )
    total = sum(float(r["Requests/s"]) for r in rows)
    print(f"{'all paths (ms)':46} {'':7} {total:7.1f}")


def main() -> int:
    args = parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    today = datetime.datetime.now(zoneinfo.ZoneInfo("Asia/Shanghai")).date()
    host = f"http://127.0.0.1:{args.port}"
    env = server_env(args)
    ensure_migrated(env)
    people = choose_people(args, today)
    ensure_static(env)
    server = start_gunicorn(args, env)
    try:
        print(f"gunicorn: {args.workers} sync workers on {host}; logging people in ...", flush=True)
        everyone = [p for group in people.values() for p in group]
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            jars = pool.map(lambda p: log_in(host, p["employee_no"]), everyone)
            for person, jar in zip(everyone, jars, strict=True):
                person["cookies"] = jar
        sessions = OUT / "sessions.json"
        sessions.write_text(
            json.dumps({"host": host, "today": today.isoformat(), "people": people}),
            encoding="utf-8",
        )
        users = args.am + args.rm + args.bh
        locust_env = {
            **os.environ,
            "BENCH_SESSIONS": str(sessions),
            "BENCH_SEED": str(args.seed),
            "BENCH_MAX_REQUESTS": str(args.max_requests),
            "BENCH_USERS_AM": str(args.am),
            "BENCH_USERS_RM": str(args.rm),
            "BENCH_USERS_BH": str(args.bh),
            "BENCH_RATE_AM": str(args.rate * SHARES["am"] / args.am),
            "BENCH_RATE_RM": str(args.rate * SHARES["rm"] / args.rm),
            "BENCH_RATE_BH": str(args.rate * SHARES["bh"] / args.bh),
        }
        mix = ["AccountManager", "RegionalManager", "BranchHead"]
        # A paced user's period; starting the users spread over it spreads their requests.
        cycle = max(
            1 / float(locust_env[f"BENCH_RATE_{role.upper()}"]) for role in ("am", "rm", "bh")
        )
        n = args.max_rate_users
        phases = [
            ("warmup", mix, users, args.warmup_seconds, f"warm-up, {args.warmup_seconds} s"),
            (
                "bare",
                ["BarePageUser"],
                n,
                args.bare_seconds,
                f"bare page, {n} users at max rate, {args.bare_seconds} s",
            ),
            (
                "logpage",
                ["LogPageUser"],
                n,
                args.log_seconds,
                f"daily-log page, {n} users at max rate, {args.log_seconds} s",
            ),
            (
                "mix",
                mix,
                users,
                args.mix_seconds,
                f"mixed load at {args.rate:g} req/s, {users} users, {args.mix_seconds} s",
            ),
        ]
        results = {}
        load_before = os.getloadavg()[0]
        for name, classes, count, seconds, text in phases:
            if seconds > 0:
                print(text + " ...", flush=True)
            paced = name in ("warmup", "mix")
            results[name] = run_locust(
                args, name, classes, count, seconds, locust_env, server, cycle if paced else 0
            )
    finally:
        stop(server)
    bare, logp, mixed = results["bare"][0], results["logpage"][0], results["mix"][0]

    print(f"\nFootwork load test {datetime.datetime.now():%Y-%m-%d %H:%M}, today = {today}")
    print(f"gunicorn {args.workers} sync workers, {os.cpu_count()} CPUs shared with PostgreSQL,")
    print("Redis and the generator (locust, 1 process). Times in ms.")
    print(
        "Machine load average (1 min) before/after the phases: "
        f"{load_before:.1f} / {os.getloadavg()[0]:.1f} (other work on it skews every figure)"
    )
    print_table("Max rate: bare authenticated page", bare, args.bare_seconds, *results["bare"][1:])
    print_table("Max rate: daily-log page", logp, args.log_seconds, *results["logpage"][1:])
    print_table(f"Mixed load at {args.rate:g} req/s", mixed, args.mix_seconds, *results["mix"][1:])

    bare_rps = sum(float(r["Requests/s"]) for r in bare)
    log_rps = sum(float(r["Requests/s"]) for r in logp)
    ratio = log_rps / bare_rps if bare_rps else 0.0
    errors = sum(int(r["Failure Count"]) for r in bare + logp + mixed)
    mix_rps = sum(float(r["Requests/s"]) for r in mixed)
    slow = [
        r["Name"] for r in mixed if r["95%"] not in ("", "N/A") and float(r["95%"]) > TARGET_P95_MS
    ]
    checks = [
        (
            f"daily-log page {log_rps:.1f} req/s = {ratio:.0%} of bare {bare_rps:.1f} req/s"
            f" (target ≥ {TARGET_RATIO:.0%})",
            ratio >= TARGET_RATIO,
        ),
        (f"errors: {errors} (target 0)", errors == 0),
        (f"mixed load held {mix_rps:.1f} req/s (asked {args.rate:g})", mix_rps >= 0.95 * args.rate),
        (
            f"p95 ≤ {TARGET_P95_MS} ms on every path: "
            + ("yes" if not slow else "no: " + ", ".join(slow)),
            not slow,
        ),
    ]
    print()
    for text, ok in checks:
        print(f"[{'PASS' if ok else 'FAIL'}] {text}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
