"""Headless Chromium from Debian, driven by Playwright's sync API.

Playwright never downloads a browser here: we point it at the system Chromium.
"""

import os

import pytest
from django.db import connections

from tests.factories import PASSWORD

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def playwright(playwright):
    """Close the database connections of Playwright's context before it stops.

    While Playwright's sync API runs, the tests see a context of their own, and Django
    keeps connections per context. Its teardown closes only the connections of the
    context it set up in, so one opened by a later test would hold the test database
    open and dropping it would fail ("being accessed by other users").
    """
    yield playwright
    connections.close_all()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture
def browser_context_args(browser_context_args):
    # An English browser, as on many office PCs: the pages must still come in Chinese
    # (the language switch is the only way to English). Shanghai time.
    return {**browser_context_args, "locale": "en-US", "timezone_id": "Asia/Shanghai"}


@pytest.fixture
def login(live_server):
    """login(page, user): log in through the real form; returns the page."""

    def do_login(page, user, password: str = PASSWORD):
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("工号").fill(user.employee_no)
        page.get_by_label("密码").fill(password)
        page.get_by_role("button", name="登录").click()
        page.wait_for_load_state()
        return page

    return do_login


@pytest.fixture
def new_page(browser):
    """new_page(**context_args): a second, independent browser session (another user)."""
    contexts = []

    def make(**kwargs):
        context = browser.new_context(locale="en-US", timezone_id="Asia/Shanghai", **kwargs)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
