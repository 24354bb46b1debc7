"""Every admin page an admin opens first renders: the add form and the list of each model."""

import datetime
import html
import json
import re
from pathlib import Path

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.urls import reverse

from activity.models import DailyLog, LogEvent, Metric, RegionWebhook
from planning.models import (
    CalendarOverride,
    MonthlyGoalLine,
    MonthlyGoalSheet,
    PlannedVisit,
    Target,
    TargetRevision,
    TrackedItem,
    TrackedItemNote,
    WeeklyReview,
    WeeklyReviewLine,
)
from reports.models import BranchReportSettings, RollupRun, RollupTrigger


@pytest.mark.parametrize(
    "model", list(admin.site._registry), ids=lambda m: f"{m._meta.app_label}.{m._meta.model_name}"
)
@pytest.mark.parametrize("page", ["add", "changelist"])
def test_admin_page_renders(admin_client, model, page):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{page}")
    response = admin_client.get(url)
    # 403: models whose admin allows no adding (e.g. records written by the app itself).
    assert response.status_code in (200, 403), url


def test_admin_pages_carry_our_name_and_icon(admin_client):
    for url in (reverse("admin:index"), reverse("admin:activity_metric_changelist")):
        html = admin_client.get(url).content.decode()
        assert '<link rel="icon" href="data:,">' in html and "活动量管理系统后台" in html, url
        assert "Django" not in html.split("<body")[1], url  # our name in the header


def test_a_robot_address_pasted_without_its_scheme_is_https(admin_client, org):
    response = admin_client.post(
        reverse("admin:activity_regionwebhook_add"),
        {
            "region": org.region.pk,
            "kind": "wecom",
            "url": "qyapi.weixin.qq.com/send?key=k",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert org.region.webhook.url == "https://qyapi.weixin.qq.com/send?key=k"


@pytest.mark.parametrize(
    ("kind", "url"),
    [
        ("wecom", "https://example.com/hook"),
        ("wecom", "http://127.0.0.1:6379/"),
        ("wecom", "https://oapi.dingtalk.com/robot/send?access_token=t"),
        ("wecom", "http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"),
        ("dingtalk", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"),
    ],
)
def test_a_robot_address_not_of_its_kind_is_refused_as_typed(admin_client, org, kind, url):
    """Every reminder about the region is posted to it: a stranger's server, or a service
    inside ours, got them."""
    response = admin_client.post(
        reverse("admin:activity_regionwebhook_add"),
        {"region": org.region.pk, "kind": kind, "url": url, "is_active": "on"},
    )
    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["url"]
    assert html.escape(url) in response.content.decode()
    assert not RegionWebhook.objects.exists()


def test_a_dingtalk_robot_address_is_taken(admin_client, org):
    url = "https://oapi.dingtalk.com/robot/send?access_token=t"
    response = admin_client.post(
        reverse("admin:activity_regionwebhook_add"),
        {"region": org.region.pk, "kind": "dingtalk", "url": url, "is_active": "on"},
    )
    assert response.status_code == 302
    assert org.region.webhook.url == url


def test_a_region_named_with_a_pasted_zero_width_space_is_the_files_region(admin_client, org):
    """西北 pasted from WeChat into the region's name kept a zero-width space: the staff
    import, which reads names without one, then planned another region 西北."""
    response = admin_client.post(
        reverse("admin:accounts_region_add"),
        {"branch": org.branch.pk, "area": org.area.pk, "name": "\u3000西北\u200b"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert org.branch.regions.filter(name="西北").exists()


def test_the_admin_index_is_chinese_throughout(admin_client):
    """QA read AXES over django-axes' models, and hidden English column headers."""
    body = admin_client.get(reverse("admin:index")).content.decode().split("<body")[1]
    assert "登录尝试" in body
    for english in ("Axes", "AXES", "Model name", "Add link", "Change or view list link"):
        assert english not in body, english


def visible_text(response) -> str:
    """The page's text as read: no tags, scripts or attribute values."""
    body = response.content.decode().split("<body")[1]
    body = re.sub(r"<script.*?</script>", " ", body, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "\n", body))


@pytest.fixture
def records(org):
    """One of each planning record, with lines, for their admin pages."""
    monday = datetime.date(2026, 11, 23)
    visits = Metric.objects.get(code="visits")
    target = Target.objects.create(
        user=org.am,
        metric=visits,
        period_kind="month",
        period_start=monday.replace(day=1),
        value=90,
        updated_by=org.rm,
    )
    TargetRevision.objects.create(target=target, new_value=90, changed_by=org.rm)
    sheet = MonthlyGoalSheet.objects.create(
        author=org.am, region=org.region, month=monday.replace(day=1), agreed_by=org.rm
    )
    MonthlyGoalLine.objects.create(sheet=sheet, metric=visits, proposed=80)
    review = WeeklyReview.objects.create(author=org.am, region=org.region, week_start=monday)
    WeeklyReviewLine.objects.create(review=review, metric=visits)
    PlannedVisit.objects.create(review=review, customer="某车行")
    item = TrackedItem.objects.create(assignee=org.am, assigner=org.rm, title="t", due_date=monday)
    TrackedItemNote.objects.create(item=item, author=org.rm, note="n")
    seen = {"username": "0001", "ip_address": "10.0.0.1", "user_agent": "ua", "path_info": "/"}
    AccessAttempt.objects.create(**seen, failures_since_start=2)
    AccessLog.objects.create(**seen)
    AccessFailureLog.objects.create(**seen)
    log = DailyLog.objects.create(author=org.am, region=org.region, date=monday, status="submitted")
    LogEvent.objects.create(
        log=log, actor=org.am, action="submitted", from_status="draft", to_status="submitted"
    )
    run = RollupRun.objects.create(
        branch=org.branch, week_start=monday, trigger=RollupTrigger.SCHEDULE
    )
    return {
        "target": target,
        "sheet": sheet,
        "review": review,
        "item": item,
        "log": log,
        "run": run,
    }


# What QA read in English in the Chinese admin (the CSS upper-cases column headers).
ENGLISH_SEEN = [
    ("admin:planning_target_changelist", None, ["Updated by"]),
    ("admin:planning_target_change", "target", ["Updated by", "Updated at", "Changed by"]),
    ("admin:planning_monthlygoalsheet_changelist", None, ["Agreed by"]),
    (
        "admin:planning_monthlygoalsheet_change",
        "sheet",
        ["Agreed by", "Agreed at", "Submitted at", "Metric", "Monthly goal line"],
    ),
    ("admin:planning_weeklyreview_changelist", None, ["Reviewed by"]),
    (
        "admin:planning_weeklyreview_change",
        "review",
        [
            "Submitted at",
            "Reviewed by",
            "Reviewed at",
            "Weekly review line",
            "Planned visit",
            "Metric",
            "Target at submit",
            "Actual at submit",
            "Prospect",
        ],
    ),
    (
        "admin:planning_trackeditem_change",
        "item",
        ["Author", "Created at", "From status", "To status", "Tracked item note"],
    ),
    ("admin:accounts_user_add", None, ["After you’ve created a user"]),
    # Re-test QA: the log's page and a target's title and history.
    (
        "admin:activity_dailylog_change",
        "log",
        ["Created at", "Actor", "Action", "From status", "To status", "Comment"],
    ),
    ("admin:planning_target_change", "target", [" month ", "None →"]),
    (
        "admin:axes_accessattempt_changelist",
        None,
        ["Attempt Time", "Path", "Locked Out", "IP Address", "User Agent", "Failed Logins"],
    ),
    ("admin:axes_accesslog_changelist", None, ["Attempt Time", "Logout Time", "Path"]),
    ("admin:axes_accessfailurelog_changelist", None, ["Attempt Time", "Access lock out"]),
    # QA (the English angle): a roll-up's title read "1 2026-10-05 schedule".
    ("admin:reports_rolluprun_change", "run", ["schedule"]),
]


@pytest.mark.parametrize(("name", "record", "english"), ENGLISH_SEEN, ids=lambda v: str(v))
def test_the_admin_pages_qa_read_are_chinese(admin_client, records, name, record, english):
    args = [records[record].pk] if record else []
    response = admin_client.get(reverse(name, args=args))
    assert response.status_code == 200
    text = visible_text(response)
    for words in english:
        assert words.lower() not in text.lower(), words


def test_the_group_selector_speaks_chinese(admin_client):
    """The selector's wording comes from the admin's JavaScript catalogue, where Django
    5's Chinese lacks the texts it reworded ("Choose 组 by selecting them ...")."""
    script = (
        Path(admin.__file__).parent / "static" / "admin" / "js" / "SelectFilter2.js"
    ).read_text()
    used = {
        re.sub(r"\\(.)", r"\1", m[1])
        for m in re.finditer(r"""\bgettext\(\s*'((?:\\.|[^'])*)'""", script)
    } | {
        re.sub(r"\\(.)", r"\1", m[1])
        for m in re.finditer(r'''\bgettext\(\s*"((?:\\.|[^"])*)"''', script)
    }
    assert 'Choose %s by selecting them and then select the "Choose" arrow button.' in used
    catalog = admin_client.get(reverse("admin:jsi18n")).content.decode()
    translated = json.loads(re.search(r"const newcatalog = (\{.*?\});", catalog, re.S)[1])
    missing = sorted(msgid for msgid in used if msgid not in translated)
    assert not missing, missing


def test_a_calendar_day_in_year_one_is_refused_with_a_clear_error(admin_client, org):
    """An admin's date box took 0001-01-01 (a year typed short): stored, a working-day
    count from it ran over two thousand years."""
    response = admin_client.post(
        reverse("admin:planning_calendaroverride_add"),
        {"branch": org.branch.pk, "date": "0001-01-01", "is_working_day": "on", "note": ""},
    )
    assert response.status_code == 200
    assert "1900" in response.content.decode()
    assert not CalendarOverride.objects.exists()


def test_a_completion_cap_under_100_is_refused_on_its_field(admin_client, org):
    """QA typed 50: the page said "约束 “cap_gte_100” 是无效的" above the form."""
    response = admin_client.post(
        reverse("admin:planning_branchplanningsettings_add"),
        {
            "branch": org.branch.pk,
            "working_weekdays": ["0", "1", "2", "3", "4"],
            "review_deadline_weekday": "5",
            "review_deadline_time": "12:00",
            "completion_cap": "50",
        },
    )
    form = response.context["adminform"].form
    assert list(form.errors) == ["completion_cap"], form.errors
    assert "100" in form.errors["completion_cap"][0]
    assert 'value="50"' in response.content.decode()  # as typed


def test_a_negative_highlight_threshold_is_refused(admin_client, org):
    """QA saved -5: no row is ever highlighted, and the summary says "below -5.0%"."""
    response = admin_client.post(
        reverse("admin:reports_branchreportsettings_add"),
        {"branch": org.branch.pk, "highlight_below": "-5"},
    )
    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["highlight_below"]
    assert not BranchReportSettings.objects.exists()


def test_every_model_of_ours_has_a_chinese_name():
    """The Chinese admin's group permissions read "Can add metric value" and the log's
    inline "metric values": four models had no name of their own."""
    from django.apps import apps
    from django.utils import translation

    with translation.override("zh-hans"):
        english = [
            f"{model._meta.label}: {model._meta.verbose_name} / {model._meta.verbose_name_plural}"
            for model in apps.get_models()
            if model._meta.app_label in ("accounts", "activity", "planning", "reports")
            and re.search(
                "[A-Za-z]", f"{model._meta.verbose_name}{model._meta.verbose_name_plural}"
            )
        ]
    assert not english, english
