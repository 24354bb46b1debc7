"""Locust users for bench/load.py: account managers, regional managers, branch heads.

Not meant to be run on its own: bench/load.py logs the people in once, writes their
cookies to the file named by BENCH_SESSIONS, starts gunicorn and runs locust headless,
one phase at a time, picking the user classes below by name:

- ``BarePageUser``: a bare authenticated Django page (/password/done/: base template,
  session, user, the bell's unread count) at the maximum rate: the stack's ceiling;
- ``LogPageUser``: the AM's daily-log page (GET /logs/<today>/edit/) at the maximum rate;
- ``AccountManager``, ``RegionalManager``, ``BranchHead``: the mixed load. Every task
  is ONE HTTP request (redirects are not followed, each hop is its own request), so
  ``constant_throughput`` per user holds the request rate that load.py asks for.

Environment (set by load.py): BENCH_SESSIONS (JSON file), BENCH_RATE_AM, BENCH_RATE_RM,
BENCH_RATE_BH (requests per second per simulated user), BENCH_SEED.

Cookies: production sets Secure session and CSRF cookies. Browsers send Secure cookies
to http://127.0.0.1 (a "potentially trustworthy" origin); Python's cookie jar does not,
so each simulated user's jar gets a policy that does the same for loopback hosts only.
No production setting is relaxed.
"""

import itertools
import json
import os
import random
import re
from http.cookiejar import Cookie, DefaultCookiePolicy

from locust import FastHttpUser, constant, constant_throughput, events, task
from locust.exception import StopUser

SESSIONS = json.loads(open(os.environ["BENCH_SESSIONS"], encoding="utf-8").read())
TODAY = SESSIONS["today"]
SEED = int(os.environ.get("BENCH_SEED", "20261124"))
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
LOG_LINK_RE = re.compile(r'href="/logs/(\d+)/"')
AFTER_SIGN_OFF_RE = re.compile(r"/logs/(\d+)/$|/sign-off/$")  # the next waiting log, or the queue
METRIC_FIELD_RE = re.compile(r'name="(count_[a-z_]+)"')
CUSTOMERS = ["华夏物流", "城东汽修厂", "新城4S店", "市二中车队", "顺达出租", "鸿运驾校"]


def _rate(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


MAX_REQUESTS = int(os.environ.get("BENCH_MAX_REQUESTS", "0"))  # 0: no cap
events_state = {"count": 0, "stopping": False, "environment": None}


@events.request.add_listener
def _stop_at_max_requests(context, **_kwargs):
    """Bound the run by request count as well as by --run-time."""
    if MAX_REQUESTS and events_state["count"] >= MAX_REQUESTS:
        if not events_state["stopping"]:
            events_state["stopping"] = True
            events_state["environment"].runner.quit()
        return
    events_state["count"] += 1


@events.init.add_listener
def _remember_environment(environment, **_kwargs):
    events_state["environment"] = environment


class LoopbackIsSecure(DefaultCookiePolicy):
    """Send Secure cookies to http://127.0.0.1 and localhost, as browsers do."""

    def return_ok_secure(self, cookie, request):
        host = request.host.rsplit(":", 1)[0]
        return host in ("127.0.0.1", "localhost") or super().return_ok_secure(cookie, request)


class _Person(FastHttpUser):
    """A logged-in person from the sessions file; subclasses set `role`."""

    abstract = True
    host = SESSIONS["host"]
    role = ""
    _counters: dict = {}

    def on_start(self):
        people = SESSIONS["people"][self.role]
        counter = _Person._counters.setdefault(self.role, itertools.count())
        self.index = next(counter)
        self.person = people[self.index % len(people)]
        self.random = random.Random(SEED * 1000 + self.index)
        self.client.cookiejar.set_policy(LoopbackIsSecure())
        for name, value in self.person["cookies"].items():
            self.client.cookiejar.set_cookie(
                Cookie(
                    version=0,
                    name=name,
                    value=value,
                    port=None,
                    port_specified=False,
                    domain="127.0.0.1",
                    domain_specified=False,
                    domain_initial_dot=False,
                    path="/",
                    path_specified=True,
                    secure=True,
                    expires=None,
                    discard=False,
                    comment=None,
                    comment_url=None,
                    rest={},
                )
            )

    def fetch(self, url: str, name: str, *, to: str | None = None, check=None):
        """GET a page: success is a 200 (and `check(response)` returns no complaint),
        or, with `to`, a redirect to a URL ending with `to`."""
        with self.client.get(
            url, name=name, allow_redirects=False, catch_response=True
        ) as response:
            location = response.headers.get("Location", "")
            if to is None and response.status_code != 200:
                response.failure(f"{response.status_code} {location}".strip())
            elif to is not None and (response.status_code != 302 or not location.endswith(to)):
                response.failure(f"{response.status_code} to {location!r} (expected 302 to {to})")
            elif check is not None and (complaint := check(response)):
                response.failure(complaint)
            return response

    def send(self, url: str, name: str, data: dict, *, to: str | re.Pattern):
        """POST a form; success is a redirect to a URL ending with `to` (or matching it,
        a compiled pattern)."""
        with self.client.post(
            url,
            name=name,
            data=data,
            allow_redirects=False,
            catch_response=True,
            headers={"Referer": self.host + url},
        ) as response:
            location = response.headers.get("Location", "")
            arrived = to.search(location) if isinstance(to, re.Pattern) else location.endswith(to)
            if response.status_code != 302 or not arrived:
                response.failure(f"{response.status_code} to {location!r} (expected 302 to {to})")
            return response


class BarePageUser(_Person):
    """The ceiling: a trivial login-required page, as fast as it answers."""

    role = "am"
    wait_time = constant(0)

    @task
    def bare(self):
        self.fetch("/password/done/", "bare GET /password/done/")


class LogPageUser(_Person):
    """The daily-log page alone, as fast as it answers (compared with the bare page)."""

    role = "am"
    wait_time = constant(0)

    @task
    def log_page(self):
        self.fetch(f"/logs/{TODAY}/edit/", "log page GET /logs/<today>/edit/")


class AccountManager(_Person):
    """Opens today's log (redirect, form), saves a draft (POST, redirect back)."""

    role = "am"
    fixed_count = int(os.environ.get("BENCH_USERS_AM", "32"))
    wait_time = constant_throughput(_rate("BENCH_RATE_AM", 2))

    def on_start(self):
        super().on_start()
        self.step = 0
        self.page = ""

    @task
    def next_step(self):
        edit = f"/logs/{TODAY}/edit/"
        if self.step == 0:
            self.fetch("/logs/today/", "AM GET /logs/today/ (302)", to=edit)
        elif self.step in (1, 3):
            label = "open" if self.step == 1 else "after save"
            response = self.fetch(edit, f"AM GET /logs/<today>/edit/ ({label})")
            self.page = response.text or ""
        else:
            self.send(edit, "AM POST /logs/<today>/edit/ (save draft)", self._draft(), to=edit)
        self.step = (self.step + 1) % 4

    def _draft(self) -> dict:
        token = CSRF_RE.search(self.page)
        if token is None:
            raise StopUser("no CSRF token on the daily-log page")
        data = {"csrfmiddlewaretoken": token.group(1), "save": ""}
        for field in sorted(set(METRIC_FIELD_RE.findall(self.page))):
            data[field] = str(self.random.randint(0, 12))
        data.update(
            {
                "needs_from_manager": "",
                "support_notes": "",
                "remarks": "压测草稿",
                # One visit; the service replaces the log's visits with what is posted.
                "visits-TOTAL_FORMS": "1",
                "visits-INITIAL_FORMS": "0",
                "visits-MIN_NUM_FORMS": "0",
                "visits-MAX_NUM_FORMS": "50",
                "visits-0-customer": self.random.choice(CUSTOMERS),
                "visits-0-channel": "",
                "visits-0-stage": "",
                "visits-0-result": "面谈",
                "visits-0-next_step": "",
            }
        )
        return data


class RegionalManager(_Person):
    """Opens the queue and the oldest waiting log, signs it off; the sign-off opens the
    next waiting log (signed off in turn), or the queue when none is left."""

    role = "rm"
    fixed_count = int(os.environ.get("BENCH_USERS_RM", "16"))
    wait_time = constant_throughput(_rate("BENCH_RATE_RM", 2))

    def on_start(self):
        super().on_start()
        self.step = "queue"
        self.log_id = None
        self.page = ""

    @task
    def next_step(self):
        if self.step == "queue":
            response = self.fetch(
                "/sign-off/",
                "RM GET /sign-off/",
                check=lambda r: None if LOG_LINK_RE.search(r.text or "") else "queue is empty",
            )
            links = LOG_LINK_RE.findall(response.text or "")
            if not links:
                raise StopUser()
            self.log_id, self.step = links[0], "log"
        elif self.step == "log":
            response = self.fetch(f"/logs/{self.log_id}/", "RM GET /logs/<pk>/")
            self.page, self.step = response.text or "", "sign"
        else:
            token = CSRF_RE.search(self.page)
            if token is None:
                raise StopUser("no CSRF token on the log page")
            response = self.send(
                f"/logs/{self.log_id}/sign-off/",
                "RM POST /logs/<pk>/sign-off/",
                {"csrfmiddlewaretoken": token.group(1), "comment": "好"},
                to=AFTER_SIGN_OFF_RE,
            )
            following = AFTER_SIGN_OFF_RE.search(response.headers.get("Location", ""))
            if following and following.group(1):
                self.log_id, self.step = following.group(1), "log"
            else:
                self.step = "queue"


class BranchHead(_Person):
    """Reads the weekly summary of their branch."""

    role = "bh"
    fixed_count = int(os.environ.get("BENCH_USERS_BH", "4"))
    wait_time = constant_throughput(_rate("BENCH_RATE_BH", 1))

    @task
    def summary(self):
        self.fetch(f"/reports/?branch={self.person['branch']}", "BH GET /reports/?branch=<id>")
