#!/usr/bin/env bash
# Security scan: wapiti against a running Footwork with logged-in sessions, loopback only.
#
#   bench/security_scan.sh          # 4 personas, ~12 min; exit 1 on any finding, 0 if clean
#   SCAN_USERS=1001 SCAN_MAX_TIME=30 SCAN_ATTACK_TIME=10 bench/security_scan.sh   # ~3 min
#
# All on 127.0.0.1, nothing leaves the machine:
#  1. a throwaway demo database (PostgreSQL footwork_scan: migrate + seed_demo) with the
#     production settings, static files collected as a deployment would;
#  2. gunicorn serving TLS with a self-signed certificate, so HSTS, the secure cookies and
#     the SSL redirect behave as they do behind the real proxy;
#  3. wapiti (PyPI wapiti3, in its own venv var/wapiti-venv so its pinned dependencies
#     stay out of the app's) logs in through the real login form as each persona in
#     $SCAN_USERS and attacks what it crawled, bounded by --max-scan-time (crawl) and
#     --max-attack-time (per module); the payloads name only loopback endpoints; /logout/
#     is excluded so the session survives the crawl; the server runs with English as its
#     default language (DJANGO_LANGUAGE_CODE=en) so that wapiti sees the "Log out"
#     button that tells it the login worked;
#  4. prints the findings by kind and the server errors; any finding (XSS, SQL injection,
#     CSRF, a missing or weak security header or cookie flag, open redirect, ...) or any
#     HTTP 500/503 makes the exit status 1.
# Before all that, bandit over the code: a high-severity issue also fails the run.
# Not part of `make test` (it takes minutes); reports stay in $SCAN_DIR/report-*.json.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

PORT=${SCAN_PORT:-8743}
SCAN_DIR=${SCAN_DIR:-/tmp/footwork-scan}
# An account manager (daily log, visits, prospects: the most input), a regional manager
# (queue, sign-off, return, week grid) and the branch head (summary, drill-down, recompute).
# The admin adds staff import/export and Django's admin.
SCAN_USERS=${SCAN_USERS:-"1001 0101 0002 0001"}
SCAN_MAX_TIME=${SCAN_MAX_TIME:-40}         # seconds of crawling per persona
SCAN_ATTACK_TIME=${SCAN_ATTACK_TIME:-20}   # seconds per attack module per persona
SCAN_MODULES=${SCAN_MODULES:-"xss,permanentxss,sql,csrf,http_headers,csp,cookieflags,redirect,crlf,file"}
PASSWORD=footwork-demo                     # accounts/demo.py: the demo logins' password
BASE="https://127.0.0.1:${PORT}"
WAPITI_VENV=${WAPITI_VENV:-$ROOT/var/wapiti-venv}
PY=$ROOT/.venv/bin/python

if [ ! -x "$WAPITI_VENV/bin/wapiti" ]; then
  echo "Installing wapiti3 into $WAPITI_VENV (once)…"
  python3 -m venv "$WAPITI_VENV"
  # 3.2.x is the last series for Python 3.11; later ones need 3.12.
  "$WAPITI_VENV/bin/pip" install --quiet 'wapiti3>=3.2,<3.3'
fi

echo "== bandit over the code (medium and high shown; any high fails the run)"
BANDIT=("$ROOT/.venv/bin/bandit" -q -r accounts activity planning reports config -x "*/migrations/*")
"${BANDIT[@]}" --severity-level medium -f custom \
  --msg-template "  {severity} {test_id} {relpath}:{line} {msg}" || true
bandit_high=0
"${BANDIT[@]}" --severity-level high >/dev/null || bandit_high=1

rm -rf "$SCAN_DIR"
mkdir -p "$SCAN_DIR"
export DJANGO_SETTINGS_MODULE=config.settings.production
export DJANGO_SECRET_KEY
DJANGO_SECRET_KEY=$("$PY" -c "import secrets; print(secrets.token_urlsafe(50))")
export DJANGO_ALLOWED_HOSTS=127.0.0.1
# PostgreSQL as in production (a database of its own, dropped and rebuilt each run);
# SQLite when no PostgreSQL answers (its writers can then hit "database is locked").
SCAN_DB=${SCAN_DB:-footwork_scan}
if pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  dropdb -h 127.0.0.1 -U postgres --if-exists "$SCAN_DB"
  createdb -h 127.0.0.1 -U postgres "$SCAN_DB"
  export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$SCAN_DB"
else
  export DATABASE_URL="sqlite:///${SCAN_DIR}/scan.sqlite3"
fi
export DJANGO_EMAIL_BACKEND=django.core.mail.backends.locmem.EmailBackend
export DJANGO_LOG_LEVEL=WARNING
# Tasks the pages enqueue (reminder e-mails, a recompute) go to a Redis database of their
# own that no worker reads and that is emptied at the end; without Redis, the filesystem
# broker's folders under var/ take them.
if redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  export REDIS_URL=redis://127.0.0.1:6379/13
else
  unset REDIS_URL
  mkdir -p var/celery-queue/out var/celery-queue/processed
fi

echo "== Demo database and static files"
"$PY" manage.py migrate --noinput --verbosity 0
"$PY" manage.py seed_demo --ams 6 --weeks 2 >/dev/null
"$PY" manage.py collectstatic --noinput --verbosity 0

openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=127.0.0.1" \
  -keyout "$SCAN_DIR/key.pem" -out "$SCAN_DIR/cert.pem" 2>/dev/null

echo "== gunicorn on $BASE"
# In English: wapiti knows the login worked when it sees a "Log out" button.
DJANGO_LANGUAGE_CODE=en "$ROOT/.venv/bin/gunicorn" config.wsgi:application --bind "127.0.0.1:${PORT}" \
  --workers 2 --threads 4 --timeout 30 \
  --certfile "$SCAN_DIR/cert.pem" --keyfile "$SCAN_DIR/key.pem" \
  --access-logfile "$SCAN_DIR/access.log" --error-logfile "$SCAN_DIR/server.log" \
  --capture-output &
SERVER=$!
cleanup() {
  kill "$SERVER" 2>/dev/null || true
  wait "$SERVER" 2>/dev/null || true
  if [ -n "${REDIS_URL:-}" ]; then redis-cli -n 13 flushdb >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT
for _ in $(seq 60); do
  curl -ksf -o /dev/null "$BASE/login/" && break
  sleep 0.5
done
curl -ksf -o /dev/null "$BASE/login/" || { echo "gunicorn did not start"; cat "$SCAN_DIR/server.log"; exit 2; }

started=$(date +%s)
run_wapiti() {  # user, concurrent tasks
  local user=$1 tasks=$2
  # wapiti exits 0 whatever it finds; the verdict comes from its JSON report below.
  modules=$(echo "$SCAN_MODULES" | tr ',' '\n' | wc -l)
  timeout $((SCAN_MAX_TIME + modules * SCAN_ATTACK_TIME + 60)) "$WAPITI_VENV/bin/wapiti" \
    --url "$BASE/" --scope folder \
    --form-url "$BASE/login/" --form-user "$user" --form-password "$PASSWORD" \
    --exclude "$BASE/logout/" --skip csrfmiddlewaretoken \
    --module "$SCAN_MODULES" \
    --max-scan-time "$SCAN_MAX_TIME" --max-attack-time "$SCAN_ATTACK_TIME" \
    --endpoint "$BASE/" --dns-endpoint localhost \
    --max-links-per-page 40 --max-files-per-dir 60 --tasks "$tasks" --timeout 10 \
    --store-session "$SCAN_DIR/session-$user" --store-config "$SCAN_DIR/config" \
    --flush-session --no-bugreport --verbose 0 \
    --format json --output "$SCAN_DIR/report-$user.json" \
    >"$SCAN_DIR/wapiti-$user.log" 2>&1 || echo "   wapiti exited $? (see $SCAN_DIR/wapiti-$user.log)"
}
for user in $SCAN_USERS; do
  echo "== wapiti as $user"
  run_wapiti "$user" 8
  if [ ! -s "$SCAN_DIR/report-$user.json" ]; then
    # On a slow machine wapiti's own session database can lock up ("database is
    # locked") and it stops without a report: once more, with fewer tasks at a time.
    echo "   no report; again with 4 tasks"
    run_wapiti "$user" 4
  fi
done
elapsed=$(( $(date +%s) - started ))

echo "== Findings (scan took ${elapsed}s; reports in $SCAN_DIR)"
verdict=0
"$PY" - "$SCAN_DIR" $SCAN_USERS <<'PYTHON' || verdict=1
import json
import sys
from collections import Counter
from pathlib import Path

scan_dir, users = Path(sys.argv[1]), sys.argv[2:]
total = Counter()
failed = False
for user in users:
    path = scan_dir / f"report-{user}.json"
    if not path.exists():
        print(f"{user}: no report (wapiti failed, see wapiti-{user}.log)")
        failed = True
        continue
    report = json.loads(path.read_text())
    info = report.get("infos", {})
    crawled = info.get("crawled_pages_nbr", "?")
    logged_in = info.get("auth", {}) or {}
    print(f"{user}: crawled {crawled} pages; login: {logged_in.get('logged_in', '?')}")
    if logged_in.get("logged_in") is False:
        failed = True
    for section in ("vulnerabilities", "anomalies"):
        for kind, items in report.get(section, {}).items():
            for item in items:
                total[kind] += 1
                where = item.get("path", "")
                print(f"  [{kind}] {item.get('method', '')} {where} {item.get('parameter', '')}: "
                      f"{item.get('info', '')[:160]}")
print()
if total:
    for kind, count in sorted(total.items()):
        print(f"{count:4d}  {kind}")
else:
    print("0 findings")
errors = [
    line
    for line in (scan_dir / "access.log").read_text().splitlines()
    if '" 500 ' in line or '" 503 ' in line
]
print(f"{len(errors)} HTTP 500/503 responses in the access log (tracebacks in server.log)")
for line in errors[:20]:
    print("  " + line)
sys.exit(1 if (total or errors or failed) else 0)
PYTHON
if [ "$bandit_high" != 0 ]; then
  echo "bandit found high-severity issues: run ${BANDIT[*]}"
  verdict=1
fi
exit "$verdict"
