"""People, regions and prospects are listed by pinyin, as Chinese readers look names up
(three QA rounds found lists in code-point order: 冯 刘 吴 周 孙 张 朱 李)."""

import datetime

import pytest
from django.db import connection

from accounts import selectors as org_selectors
from planning import selectors as planning_selectors
from reports import selectors as report_selectors
from tests import factories as f

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite, the zero-setup default, has no Chinese collation",
)
NAMES = ["朱婷", "李明", "冯磊", "周杰", "陈静", "刘洋"]
PINYIN = ["陈静", "冯磊", "李明", "刘洋", "周杰", "朱婷"]


def test_members_of_a_region_are_listed_by_pinyin(org):
    region = f.RegionFactory(branch=org.branch, area=org.area, manager=org.rm, name="北")
    for name in NAMES:
        f.member(region, name=name)
    day = datetime.date(2026, 11, 9)
    listed = org_selectors.members_during([region.pk], day, day)
    assert [m.user.name for m in listed] == PINYIN
    plan = planning_selectors.region_plan(region, "week", day, today=day)
    assert [row.member.name for row in plan.rows] == PINYIN
    rows, _total = report_selectors.member_rows(region=region, start=day, end=day, today=day)
    assert [row.label for row in rows] == PINYIN
    by_name = report_selectors.sort_rows(rows, "-name", [])
    assert [row.label for row in by_name] == PINYIN[::-1]


def test_prospects_and_regions_are_listed_by_pinyin(org):
    for name in NAMES:
        f.ProspectFactory(owner=org.am, name=name)
    assert [p.name for p in planning_selectors.prospects_of(org.am)] == PINYIN
    for name in ("西南", "东北", "西北", "直属", "东南"):
        f.RegionFactory(branch=org.branch, area=org.area, manager=org.rm, name=name)
    summary = report_selectors.branch_summary(
        user=org.branch_head,
        branch=org.branch,
        start=datetime.date(2026, 11, 9),
        end=datetime.date(2026, 11, 15),
        today=datetime.date(2026, 11, 23),
    )
    # 东 and 西 come from the org fixture.
    assert [r.label for r in summary.rows] == ["东", "东北", "东南", "西", "西北", "西南", "直属"]


def test_the_week_grid_and_the_visit_pickers_list_by_pinyin(org):
    from activity.forms import VisitFormSet
    from activity.selectors import week_grid

    region = f.RegionFactory(branch=org.branch, area=org.area, manager=org.rm, name="北")
    for name in NAMES:
        f.member(region, name=name)
        f.ProspectFactory(owner=org.am, name=name)
    monday = datetime.date(2026, 11, 9)
    assert [row.member.name for row in week_grid(region, monday, monday)] == PINYIN
    formset = VisitFormSet(prefix="visits", form_kwargs={"owner": org.am})
    assert [name for _pk, name in formset.prospect_choices] == PINYIN


def test_the_plan_pages_region_list_is_in_pinyin_order(client_for, org):
    for name in ("西南", "直属", "东北", "西北"):
        f.RegionFactory(branch=org.branch, area=org.area, manager=org.rm, name=name)
    page = client_for(org.branch_head).get("/plan/")
    assert [r.name for r in page.context["regions"]] == ["东", "东北", "西", "西北", "西南", "直属"]


def test_surnames_read_as_surnames(org):
    """曾 is zēng as a surname: ICU files it as céng (曾经), before 林 and 马."""
    region = f.RegionFactory(branch=org.branch, area=org.area, manager=org.rm, name="北")
    for name in ("曾佳怡", "林强", "袁晨阳", "单丽", "马建华", "解明", "宋俊杰", "张伟"):
        f.member(region, name=name)
        f.ProspectFactory(owner=org.am, name=name)
    by_surname = ["林强", "马建华", "单丽", "宋俊杰", "解明", "袁晨阳", "曾佳怡", "张伟"]
    day = datetime.date(2026, 11, 9)
    listed = org_selectors.members_during([region.pk], day, day)
    assert [m.user.name for m in listed] == by_surname
    assert [p.name for p in planning_selectors.prospects_of(org.am)] == by_surname
