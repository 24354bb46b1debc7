"""In English, no Chinese but what people typed: every page each demo role reaches by
its links (and the admin's configuration pages), read in English, shows Chinese only
where it is data (a name, a region, a customer, a remark).

QA: the English interface carried Chinese glosses in its own words: a prospect's source
read "Warm market (缘故)", the log's tick "Joint visit to close (陪同促成)", an item's
"Key item (重点事项)", the holiday form's "working days (调休)".
"""

import datetime
import re
from html import unescape

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts import demo as org_demo
from accounts import staff_import
from accounts.models import User
from activity import demo as activity_demo
from planning import demo as planning_demo
from planning import target_import
from reports import demo as reports_demo
from tests.walk import walk

# Ideographs and full-width punctuation (（）、，：…).
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]+")
# Where a page's words are: text between tags, and what a screen reader or a hover says.
SAID = re.compile(r'\s(?:title|placeholder|aria-label|alt)="([^"]*)"')
# A language's name is written in that language in every interface's language menu.
LANGUAGE_NAMES = {"简体中文"}
# An import page describes its Excel file, whose headers and words are Chinese in either
# language (工号, 角色 客户经理, 状态 在职; regions separated by 、; 合计 rows skipped).
SHEET_WORDS = {
    *(header for _key, header, _aliases in staff_import.COLUMNS),
    *staff_import.ROLE_LABELS.values(),
    staff_import.STATUS_ACTIVE,
    staff_import.STATUS_LEFT,
    *(header for _key, header, _aliases in target_import.BASE_COLUMNS),
    "、",
    "合计",
    "备注",
}
SHEET_PAGES = ("/staff/import/", "/plan/targets/import/")


@pytest.fixture
def demo(db):
    """The demo branch, small: every role, logs, plans, items and rolled-up weeks."""
    today = timezone.localdate()
    org = org_demo.build_org(am_count=6, start=today - datetime.timedelta(weeks=4))
    activity_demo.build_logs(org=org, today=today, weeks=3)
    planning_demo.build_plans(org=org, today=today, weeks=3)
    reports_demo.build_rollups(org=org, today=today, weeks=2)
    return org


def _data() -> str:
    """Every text the database holds with Chinese in it (names, remarks, regions …)."""
    texts = []
    for model in apps.get_models():
        fields = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField) and not f.choices
        ]
        if fields and model._meta.app_label in ("accounts", "activity", "planning", "reports"):
            for row in model.objects.values_list(*fields):
                texts += [value for value in row if value and CJK.search(value)]
    return "\n".join(texts)


def _words(html: str) -> str:
    """What a page says: its text and its titles, labels and placeholders."""
    html = re.sub(r"<(script|style|textarea)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<!--.*?-->", " ", html, flags=re.S)
    said = SAID.findall(html)
    # An <option>'s text is data or an interface word like any other; its value is not shown.
    text = re.sub(r"<[^>]*>", "\n", html)
    return unescape("\n".join([text, *said]))


def _chinese_not_typed(pages: dict, data: str) -> dict:
    found = {}
    for url, html in pages.items():
        runs = {run for run in CJK.findall(_words(html)) if run not in data}
        runs -= LANGUAGE_NAMES
        if url.startswith(SHEET_PAGES):
            runs -= SHEET_WORDS
        if runs:
            found[url] = sorted(runs)
    return found


def _employee_nos(org) -> dict:
    region = org.regions[0]
    return {
        "admin": "0001",
        "branch_head": org.branch.head.employee_no,
        "area_manager": region.area.manager.employee_no,
        "rm": region.manager.employee_no,
        "am": org.account_managers[0].employee_no,
    }


@pytest.mark.parametrize("role", ["admin", "branch_head", "area_manager", "rm", "am"])
def test_english_pages_show_chinese_only_where_it_is_data(client, demo, role):
    user = User.objects.get(employee_no=_employee_nos(demo)[role])
    user.language = "en"
    user.save(update_fields=["language"])
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    pages = walk(client, per_kind=2)
    if user.is_staff:
        pages |= walk(client, start="/admin/", skip=("/static/", "/admin/logout/"), per_kind=1)
    assert len(pages) > 10, pages.keys()  # the walk got somewhere
    assert all('<html lang="en"' in html for html in pages.values())
    assert _chinese_not_typed(pages, _data()) == {}
