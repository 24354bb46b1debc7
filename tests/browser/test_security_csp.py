"""The main pages of every role, opened in Chromium under the real Content-Security-Policy:
the browser must report no violation (a blocked inline script, handler or style), and
axe-core must find no serious or critical accessibility fault (contrast, missing labels,
empty headers): people read these pages outdoors on a phone."""

import datetime

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from accounts import staff_import
from accounts.models import StaffImport, StaffImportStatus
from activity.models import LogStatus, Notification, NotificationKind
from tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def watch_csp(page, violations: list[str]):
    """Collect Chromium's console reports of CSP violations on this page."""
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    return page


AXE = Axe()


def accessibility_faults(page) -> list[str]:
    """axe-core's serious and critical findings on the page, one line each."""
    violations = AXE.run(page).response["violations"]
    return [
        f"{page.url} {v['id']}: {v['nodes'][0]['html'][:120]}"
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]


def visit_all(page, base_url: str, paths: list[str], faults: list[str] | None = None) -> None:
    for path in paths:
        response = page.goto(base_url + path)
        assert response.status == 200, path
        assert "'unsafe-inline'" not in response.headers["content-security-policy"]
        page.wait_for_load_state("load")
        if faults is not None and not path.startswith("/admin/"):  # Django's admin is not ours
            faults += accessibility_faults(page)


def test_pages_of_each_role_run_without_csp_violations(org, live_server, login, new_page, request):
    today = timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)
    log = f.DailyLogFactory(author=org.am, region=org.region, date=yesterday)
    f.MetricValueFactory(log=log, value=4)
    f.DailyLogFactory(author=org.peer_am, region=org.region, date=yesterday)
    f.DailyLogFactory(author=org.am, region=org.region, date=today, status=LogStatus.DRAFT)
    job = StaffImport.objects.create(
        created_by=org.admin,
        file_name="big.xlsx",
        import_date=today,
        status=StaffImportStatus.IMPORTING,
        total_rows=10,
        processed_rows=5,
    )
    # A live worker holds the import's lock: without it, a run slower than a minute (a
    # busy CI machine) saw the import declared dead and released, and no progress bar.
    worker = staff_import._Progress(job.pk)
    assert worker.hold()
    request.addfinalizer(worker.close)
    week = today - datetime.timedelta(days=today.weekday())
    # Unread, with a link: its "Open" button sits on the unread notice's yellow.
    Notification.objects.create(
        recipient=org.am, kind=NotificationKind.LOG_RETURNED, title="退回", url=f"/logs/{log.pk}/"
    )
    pages = {
        org.am: [
            reverse("accounts:home"),
            reverse("activity:log_edit", args=[today]),
            reverse("activity:log_detail", args=[log.pk]),
            reverse("activity:my_logs"),
            reverse("activity:prospect_list"),
            reverse("activity:prospect_create"),
            reverse("activity:notifications"),
            reverse("planning:index"),
            reverse("planning:weekly_edit", args=[week]),
            reverse("accounts:password_change"),
        ],
        org.rm: [
            reverse("activity:queue"),
            reverse("planning:index"),
            reverse("activity:week_grid", args=[org.region.pk]),
            reverse("planning:region", args=[org.region.pk]),
            reverse("planning:items"),
        ],
        org.branch_head: [
            reverse("reports:summary"),
            reverse("reports:region", args=[org.region.pk]),
            reverse("reports:member", args=[org.region.pk, org.am.pk]),
        ],
        org.admin: [
            reverse("accounts:staff_import"),
            reverse("accounts:staff_import_detail", args=[job.pk]),
            reverse("admin:index"),
        ],
    }
    # First prove the watch sees a violation: a style attribute set from script is blocked.
    probe: list[str] = []
    page = watch_csp(new_page(), probe)
    visit_all(page, live_server.url, [reverse("accounts:login")])
    with page.expect_console_message(lambda msg: "Content Security Policy" in msg.text):
        page.evaluate("document.body.setAttribute('style', 'color: red')")
    assert len(probe) == 1

    # And that axe sees a fault: a text input without any label.
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<input type=text>')")
    assert any("label" in fault for fault in accessibility_faults(page))

    violations: list[str] = []
    faults: list[str] = []
    visit_all(
        watch_csp(new_page(), violations), live_server.url, [reverse("accounts:login")], faults
    )
    for user, paths in pages.items():
        page = login(watch_csp(new_page(), violations), user)
        visit_all(page, live_server.url, paths, faults)
        if user == org.rm:
            page.goto(live_server.url + reverse("activity:queue"))
            page.get_by_test_id("select-all").check()
            expect(page.locator("input[name=logs]:checked")).to_have_count(2)
            page.get_by_test_id("select-all").uncheck()
            expect(page.locator("input[name=logs]:checked")).to_have_count(0)
        if user == org.admin:
            # The running import's bar gets its width from data-width-percent (no style=).
            page.goto(live_server.url + reverse("accounts:staff_import_detail", args=[job.pk]))
            bar = page.get_by_test_id("progress-bar")
            expect(bar).to_have_text("5 / 10")
            assert bar.evaluate("el => el.style.width") == "50%"
    assert violations == []
    assert faults == [], "\n".join(faults)
