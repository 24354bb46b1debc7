import datetime

import time_machine
from django.template.loader import render_to_string
from django.urls import reverse

from planning import selectors
from planning.models import MonthlyGoalSheet, PeriodKind, SheetStatus, Target, TrackedItem
from tests.planning.helpers import metric, write_log

D = datetime.date
NOON_20_NOV = datetime.datetime(2026, 11, 20, 4, 0, tzinfo=datetime.UTC)


@time_machine.travel(NOON_20_NOV, tick=False)
def test_rm_hands_items_to_their_ams_only(org, client_for):
    client = client_for(org.rm)
    data = {
        "title": "整理续保名单",
        "due_date": "2026-11-30",
        "assignees": [org.am.pk, org.peer_am.pk],
    }
    assert client.post(reverse("planning:item_create"), data).status_code == 302
    assert set(TrackedItem.objects.values_list("assignee", flat=True)) == {
        org.am.pk,
        org.peer_am.pk,
    }
    response = client.post(
        reverse("planning:item_create"), data | {"assignees": [org.outsider_am.pk]}
    )
    assert response.status_code == 200 and "assignees" in response.context["form"].errors
    assert TrackedItem.objects.count() == 2


def test_a_due_date_outside_the_supported_years_is_refused(org, client_for):
    data = {"title": "整理续保名单", "due_date": "9999-12-31", "assignees": [org.am.pk]}
    response = client_for(org.rm).post(reverse("planning:item_create"), data)
    assert response.status_code == 200 and "due_date" in response.context["form"].errors
    assert "整理续保名单" in response.content.decode()
    assert not TrackedItem.objects.exists()


@time_machine.travel(NOON_20_NOV, tick=False)
def test_an_am_may_only_self_assign_key_items(org, client_for):
    client = client_for(org.am)
    data = {"title": "学习新条款", "due_date": "2026-11-30", "assignees": [org.am.pk]}
    assert client.post(reverse("planning:item_create"), data).status_code == 302
    assert TrackedItem.objects.get().is_key
    response = client.post(reverse("planning:item_create"), data | {"assignees": [org.peer_am.pk]})
    assert "assignees" in response.context["form"].errors


def test_overdue_items_show_for_assignee_and_assigner(org):
    TrackedItem.objects.create(
        assignee=org.am, assigner=org.rm, title="逾期事项", due_date=D(2026, 11, 19)
    )
    TrackedItem.objects.create(
        assignee=org.am, assigner=org.rm, title="已完成", due_date=D(2026, 11, 1), status="done"
    )
    TrackedItem.objects.create(
        assignee=org.am, assigner=org.rm, title="未到期", due_date=D(2026, 11, 20)
    )
    for person, named in ((org.am, f"← {org.rm.name}"), (org.rm, org.am.name)):
        items = selectors.overdue_items(person, D(2026, 11, 20))
        assert [i.title for i in items] == ["逾期事项"]
        html = render_to_string(
            "planning/_overdue_items.html", {"overdue_items": items, "user": person}
        )
        # QA: the AM's own panel named the AM; it names who handed the item down.
        assert "逾期事项" in html and named in html
    assert not selectors.overdue_items(org.branch_head, D(2026, 11, 20))


@time_machine.travel(NOON_20_NOV, tick=False)
def test_a_home_page_shows_the_oldest_overdue_items_and_how_many_more(org, client_for):
    """An RM of 60 AMs who hands down an item a week to each had a card of every late
    one above her sign-off queue; it shows the oldest ten and links to the rest."""
    late = [
        TrackedItem.objects.create(
            assignee=am,
            assigner=org.rm,
            title=f"逾期{i:02d}",
            due_date=D(2026, 11, 19) - datetime.timedelta(days=i),
        )
        for i, am in enumerate([org.am, org.peer_am] * 12)
    ]
    TrackedItem.objects.create(
        assignee=org.am, assigner=org.rm, title="已完成", due_date=D(2026, 11, 1), status="done"
    )
    items = selectors.overdue_items(org.rm, D(2026, 11, 20))
    oldest_first = sorted(late, key=lambda item: item.due_date)
    assert list(items) == oldest_first[: selectors.OVERDUE_SHOWN]
    assert (items.total, items.more) == (24, 14)

    html = client_for(org.rm).get(reverse("planning:index")).content.decode()
    card = html.split('data-testid="overdue-items"')[1].split("</ul>")[0]
    shown = sorted(
        (item for item in late if f">{item.title}</a>" in card),
        key=lambda item: card.index(f">{item.title}</a>"),
    )
    assert shown == oldest_first[: selectors.OVERDUE_SHOWN]
    more = card.split('data-testid="overdue-more"')[1]
    assert reverse("planning:items") in more and "还有 14 项逾期事项" in more


@time_machine.travel(NOON_20_NOV, tick=False)
def test_a_few_overdue_items_are_all_shown(org, client_for):
    for i in range(selectors.OVERDUE_SHOWN):
        TrackedItem.objects.create(
            assignee=org.am, assigner=org.rm, title=f"逾期{i}", due_date=D(2026, 11, 1)
        )
    items = selectors.overdue_items(org.am, D(2026, 11, 20))
    assert (len(items), items.more) == (selectors.OVERDUE_SHOWN, 0)
    html = client_for(org.rm).get(reverse("planning:index")).content.decode()
    assert 'data-testid="overdue-more"' not in html


@time_machine.travel(NOON_20_NOV, tick=False)
def test_the_am_home_page_shows_her_items_due_in_the_next_three_days(org, client_for):
    """An item due tomorrow was nowhere on her home page until it was a day late."""

    def item(title, due, **kwargs):
        fields = {"assignee": org.am, "assigner": org.rm} | kwargs
        return TrackedItem.objects.create(title=title, due_date=due, **fields)

    item("后天到期", D(2026, 11, 22))
    item("今天到期", D(2026, 11, 20))
    item("明天到期", D(2026, 11, 21), assigner=org.am, is_key=True)
    item("已完成", D(2026, 11, 21), status="done")
    item("下周到期", D(2026, 11, 23))
    item("同事的", D(2026, 11, 21), assignee=org.peer_am)
    item("逾期", D(2026, 11, 19))

    soon = selectors.overdue_items(org.am, D(2026, 11, 20)).due_soon
    assert [i.title for i in soon] == ["今天到期", "明天到期", "后天到期"]
    html = client_for(org.am).get(reverse("activity:today"), follow=True).content.decode()
    card = html.split('data-testid="due-soon-items"')[1].split("</ul>")[0]
    assert "我近期到期的事项" in html
    assert card.index("今天到期") < card.index("明天到期") < card.index("后天到期")
    assert "今天" in card and "明天" in card and "11-22" in card
    assert f"← {org.rm.name}" in card  # handed down by her RM; her own key item names nobody
    assert "逾期" not in card and "下周到期" not in html and "同事的" not in html
    # Her RM's card lists her late item, not what his AMs have due soon.
    rm_html = client_for(org.rm).get(reverse("planning:index")).content.decode()
    assert "逾期" in rm_html and 'data-testid="due-soon-items"' not in rm_html


def test_pacing_partials_render_for_home_pages(org, client_for):
    Target.objects.create(
        user=org.am,
        metric=metric("visits"),
        period_kind=PeriodKind.MONTH,
        period_start=D(2026, 11, 1),
        value=100,
        updated_by=org.rm,
    )
    write_log(org.am, org.region, D(2026, 11, 2), visits=60)
    with time_machine.travel(NOON_20_NOV, tick=False):
        html = render_to_string(
            "planning/_pacing_panel.html", {"pacing": selectors.pacing_for(org.am)}
        )
        # 14 of November's 21 working days have ended: 67 expected (66.7 is not a count
        # of visits), 60 done = 90 %.
        assert 'data-pace="behind"' in html
        assert ">67<" in html and "66.7" not in html
        region_html = render_to_string(
            "planning/_region_pacing.html", {"region_pacing": selectors.region_pacing(org.region)}
        )
        page = client_for(org.rm).get(reverse("planning:index"))
    assert "张三" in region_html and "李四" in region_html
    assert page.context["pacing_by_region"][0].region == org.region
    assert render_to_string("planning/_pacing_panel.html", {"pacing": None}).strip() == ""


def test_the_pacing_panel_says_why_a_month_without_targets_has_no_pace(org, client_for):
    sheet_url = reverse("planning:monthly_edit", kwargs={"month": D(2026, 12, 1)})
    with time_machine.travel(datetime.datetime(2026, 12, 1, 2, tzinfo=datetime.UTC), tick=False):
        pacing = selectors.pacing_for(org.am)
        assert pacing.targets_pending == "sheet"
        html = render_to_string("planning/_pacing_panel.html", {"pacing": pacing})
        assert 'data-testid="targets-pending"' in html and sheet_url in html
        assert 'data-pace="pending"' in html
        # On today's log page too, where the panel is the AM's home.
        page = client_for(org.am).get(reverse("activity:log_edit", kwargs={"day": D(2026, 12, 1)}))
        assert sheet_url in page.content.decode()

        sheet = MonthlyGoalSheet.objects.create(
            author=org.am, region=org.region, month=D(2026, 12, 1), status=SheetStatus.SUBMITTED
        )
        assert selectors.pacing_for(org.am).targets_pending == "agreement"
        sheet.status = SheetStatus.AGREED
        sheet.save()
        Target.objects.create(
            user=org.am,
            metric=metric("visits"),
            period_kind=PeriodKind.MONTH,
            period_start=D(2026, 12, 1),
            value=150,
            updated_by=org.rm,
        )
        pacing = selectors.pacing_for(org.am)
        html = render_to_string("planning/_pacing_panel.html", {"pacing": pacing})
    assert pacing.targets_pending == ""
    assert 'data-testid="targets-pending"' not in html and 'data-pace="pending"' not in html


def test_the_rm_sees_a_goal_sheet_waiting_for_them_not_no_target(org, client_for):
    """QA: the RM's panel read 未设目标 for an AM whose sheet waited for that RM."""
    from planning import services

    with time_machine.travel(NOON_20_NOV, tick=False):
        sheet = services.monthly_sheet_save(
            author=org.am,
            month=D(2026, 11, 1),
            proposed={metric("visits").pk: 100},
            focus_items="",
            submit=True,
        )
        html = render_to_string(
            "planning/_region_pacing.html", {"region_pacing": selectors.region_pacing(org.region)}
        )
    waiting = html.split('data-testid="sheet-waiting"')
    assert len(waiting) == 2  # 张三's only; 李四 has no sheet: "no target"
    assert reverse("planning:monthly_detail", kwargs={"pk": sheet.pk}) in waiting[0][-200:]


def test_the_rm_sees_a_goal_sheet_still_in_draft_as_not_handed_in(org):
    """QA (a new branch): an AM with a saved draft sheet read 未设目标, as if nothing had
    been started; 目标设定表未提交 tells the RM what to chase."""
    from planning import services

    with time_machine.travel(NOON_20_NOV, tick=False):
        services.monthly_sheet_save(
            author=org.am,
            month=D(2026, 11, 1),
            proposed={metric("visits").pk: 100},
            focus_items="",
            submit=False,
        )
        html = render_to_string(
            "planning/_region_pacing.html", {"region_pacing": selectors.region_pacing(org.region)}
        )
    assert html.count('data-testid="sheet-draft"') == 1 and "目标设定表未提交" in html
    assert "未设目标" in html  # 李四, who has no sheet


def test_the_rm_of_the_region_moved_into_opens_the_movers_sheet_and_review(org, client_for):
    """QA: a sheet stays filed under the region it was written in; the RM of the region
    the AM moved to got a 404 from the 已确认 link on their own plan page. The old RM
    keeps reading what was filed with them."""
    from accounts.services import membership_move
    from planning import services

    with time_machine.travel(NOON_20_NOV, tick=False):
        sheet = services.monthly_sheet_save(
            author=org.am,
            month=D(2026, 11, 1),
            proposed={metric("visits").pk: 100},
            focus_items="",
            submit=True,
        )
        review = services.weekly_review_save(
            author=org.am,
            week=D(2026, 11, 16),
            fields={"situation_analysis": "正常"},
            lines=[],
            planned_visits=[],
            short_metric_ids=[],
            submit=True,
        )
    assert sheet.region == review.region == org.region
    membership_move(user=org.am, region=org.other_region, start_date=D(2026, 11, 18))
    monthly = reverse("planning:monthly_detail", kwargs={"pk": sheet.pk})
    weekly = reverse("planning:weekly_detail", kwargs={"pk": review.pk})
    for url in (monthly, weekly):
        assert client_for(org.other_rm).get(url).status_code == 200, url
        assert client_for(org.rm).get(url).status_code == 200, url  # filed there
        assert client_for(org.other_branch_head).get(url).status_code == 404, url
    # Still waiting, it went with the AM: the new RM agrees it, the old one only reads it.
    sheet.refresh_from_db()
    assert sheet.region == org.other_region
    assert "agree-form" in client_for(org.other_rm).get(monthly).content.decode()
    assert "agree-form" not in client_for(org.rm).get(monthly).content.decode()


@time_machine.travel(NOON_20_NOV, tick=False)
def test_an_item_title_is_kept_on_one_line(org, client_for):
    """QA: a title posted with a line break went into the e-mail subject, which Django
    refuses to send. A text box cannot type one; a direct post gets spaces instead."""
    client = client_for(org.rm)
    data = {"title": "整理\r\n续保名单\n\n本周", "due_date": "2026-11-30", "assignees": [org.am.pk]}
    assert client.post(reverse("planning:item_create"), data).status_code == 302
    item = TrackedItem.objects.get()
    assert item.title == "整理 续保名单 本周"
    edit = reverse("planning:item_edit", kwargs={"pk": item.pk})
    data = {"title": "整理续保名单\r第二版", "due_date": "2026-11-30", "details": "一\r\n二"}
    assert client.post(edit, data).status_code == 302
    item.refresh_from_db()
    assert (item.title, item.details) == ("整理续保名单 第二版", "一\n二")


def test_a_movers_plan_page_lists_only_the_sheets_her_new_manager_may_open(org, client_for):
    """Crawl: an AM who moved lists, on her plan page, the reviews and goal sheet she
    filed in her old region before the move. Her new RM (and area manager) got a 404
    from each link: they are not theirs to read. The page lists what the viewer may open."""
    from accounts.services import membership_move
    from planning import services

    with time_machine.travel(datetime.datetime(2026, 10, 9, 4, 0, tzinfo=datetime.UTC)):
        october = services.monthly_sheet_save(
            author=org.am,
            month=D(2026, 10, 1),
            proposed={metric("visits").pk: 100},
            focus_items="",
            submit=True,
        )
        old_review = services.weekly_review_save(
            author=org.am,
            week=D(2026, 10, 5),
            fields={"situation_analysis": "十月第一周"},
            lines=[],
            planned_visits=[],
            short_metric_ids=[],
            submit=True,
        )
    membership_move(user=org.am, region=org.other_region, start_date=D(2026, 11, 2))
    with time_machine.travel(NOON_20_NOV, tick=False):
        new_review = services.weekly_review_save(
            author=org.am,
            week=D(2026, 11, 9),
            fields={"situation_analysis": "十一月第二周"},
            lines=[],
            planned_visits=[],
            short_metric_ids=[],
            submit=True,
        )
        page = reverse("planning:member", kwargs={"user_id": org.am.pk})
        old_links = [
            reverse("planning:weekly_detail", kwargs={"pk": old_review.pk}),
            reverse("planning:monthly_detail", kwargs={"pk": october.pk}),
        ]
        new_link = reverse("planning:weekly_detail", kwargs={"pk": new_review.pk})
        for reader in (org.other_rm, org.am):
            html = client_for(reader).get(page).content.decode()
            assert new_link in html
            for link in old_links:
                shown = f'href="{link}"' in html
                opens = client_for(reader).get(link).status_code == 200
                assert shown == opens, (reader, link)
        html = client_for(org.other_rm).get(page).content.decode()
        assert not any(f'href="{link}"' in html for link in old_links)
        assert all(
            f'href="{link}"' in client_for(org.am).get(page).content.decode() for link in old_links
        )


def test_the_rm_finds_a_request_to_change_an_agreed_sheet_among_what_waits(org, client_for):
    """Demo walk-through: the AM's request to change an agreed sheet reached the RM only
    as a notification; once read, nothing on the plans page said it waited for an answer."""
    from planning import services

    with time_machine.travel(NOON_20_NOV, tick=False):
        sheet = services.monthly_sheet_save(
            author=org.am,
            month=D(2026, 11, 1),
            proposed={metric("visits").pk: 100},
            focus_items="",
            submit=True,
        )
        services.monthly_sheet_agree(sheet=sheet, actor=org.rm, agreed={}, comment="")
        html = client_for(org.rm).get(reverse("planning:index")).content.decode()
        assert 'data-testid="waiting"' not in html
        services.monthly_sheet_request_change(sheet=sheet, author=org.am, reason="大客户搬走了")
        html = client_for(org.rm).get(reverse("planning:index")).content.decode()
    waiting = html.split('data-testid="waiting"')[1].split("</ul>")[0]
    assert reverse("planning:monthly_detail", kwargs={"pk": sheet.pk}) in waiting
    assert 'data-testid="change-asked"' in waiting
    assert list(selectors.monthly_sheets_waiting_for(org.peer_am)) == []


def test_a_movers_review_links_only_the_logs_its_reader_may_open(org, client_for):
    """Crawl: an AM who moved on a Tuesday has that week's review read by her new RM too,
    and its list of 批示 linked her Monday log in the old region: a 404 for him. The
    comment still shows (it is coaching on her week); only the logs he may open link."""
    from accounts.services import membership_move
    from activity.models import LogStatus
    from planning import services
    from tests import factories as f

    membership_move(user=org.am, region=org.other_region, start_date=D(2026, 11, 10))
    monday = f.DailyLogFactory(
        author=org.am,
        region=org.region,
        date=D(2026, 11, 9),
        status=LogStatus.SIGNED_OFF,
        signed_off_by=org.rm,
        manager_comment="周一拜访量不错",
    )
    wednesday = f.DailyLogFactory(
        author=org.am,
        region=org.other_region,
        date=D(2026, 11, 11),
        status=LogStatus.SIGNED_OFF,
        signed_off_by=org.other_rm,
        manager_comment="周三继续跟进",
    )
    with time_machine.travel(NOON_20_NOV, tick=False):
        review = services.weekly_review_save(
            author=org.am,
            week=D(2026, 11, 9),
            fields={"situation_analysis": "换了区域的一周"},
            lines=[],
            planned_visits=[],
            short_metric_ids=[],
            submit=True,
        )
        page = reverse("planning:weekly_detail", kwargs={"pk": review.pk})
        html = client_for(org.other_rm).get(page).content.decode()
        comments = html.split('data-testid="log-comments"')[1].split("</ul>")[0]
        assert "周一拜访量不错" in comments and "周三继续跟进" in comments
        assert reverse("activity:log_detail", kwargs={"pk": monday.pk}) not in comments
        assert reverse("activity:log_detail", kwargs={"pk": wednesday.pk}) in comments
        # Whoever may open both gets both links: the AM herself.
        mine = client_for(org.am).get(page).content.decode()
        assert reverse("activity:log_detail", kwargs={"pk": monday.pk}) in mine
