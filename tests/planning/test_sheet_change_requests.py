"""An AM asks for a change of her agreed monthly goal sheet, with a reason; her RM
reopens it for her to change (the targets stay as agreed until the changed sheet is
agreed) or keeps it, saying why. Goals are revised when the situation changes, with a
reason, and only the RM changes targets.

QA: an agreed sheet could not be reopened at all; the AM had no way to ask.
"""

import datetime

import pytest
import time_machine
from django.urls import reverse

from activity.models import Metric, Notification, NotificationKind
from planning import services
from planning.models import MonthlyGoalSheet, PeriodKind, SheetStatus, Target
from planning.services import SheetTransitionError

# Friday 20 November 2026, 15:00 in Shanghai.
FRIDAY = datetime.datetime(2026, 11, 20, 7, 0, tzinfo=datetime.UTC)
NOVEMBER = datetime.date(2026, 11, 1)


@pytest.fixture
def friday():
    with time_machine.travel(FRIDAY, tick=False):
        yield


@pytest.fixture
def agreed(org, friday):
    visits = Metric.objects.get(code="visits")
    sheet = services.monthly_sheet_save(
        author=org.am, month=NOVEMBER, proposed={visits.pk: 138}, focus_items="", submit=True
    )
    return services.monthly_sheet_agree(
        sheet=sheet, actor=org.rm, agreed={visits.pk: 150}, comment=""
    )


def visits_target(org):
    return Target.objects.get(
        user=org.am, metric__code="visits", period_kind=PeriodKind.MONTH, period_start=NOVEMBER
    ).value


def detail(sheet):
    return reverse("planning:monthly_detail", kwargs={"pk": sheet.pk})


def ask(client, sheet, reason):
    return client.post(
        reverse("planning:monthly_request_change", kwargs={"pk": sheet.pk}), {"reason": reason}
    )


def answer(client, sheet, reason, button="reopen"):
    return client.post(
        reverse("planning:monthly_reopen", kwargs={"pk": sheet.pk}), {"reason": reason, button: "1"}
    )


def test_the_am_asks_and_her_rm_is_told_once(org, agreed, client_for):
    client = client_for(org.am)
    assert "申请调整目标" in client.get(detail(agreed)).content.decode()
    response = ask(client, agreed, "大客户恒通物流搬去外地，拜访量达不到")
    assert response.status_code == 302
    agreed.refresh_from_db()
    assert agreed.change_request == "大客户恒通物流搬去外地，拜访量达不到"
    (notice,) = Notification.objects.filter(kind=NotificationKind.MONTHLY_CHANGE_REQUESTED)
    assert notice.recipient == org.rm
    assert notice.title == "张三申请调整 2026-11 的目标设定表"
    assert notice.body == "大客户恒通物流搬去外地，拜访量达不到"
    assert notice.url == detail(agreed)
    # A second click: said, and nobody is told twice.
    ask(client, agreed, "大客户恒通物流搬去外地，拜访量达不到")
    assert Notification.objects.filter(kind=NotificationKind.MONTHLY_CHANGE_REQUESTED).count() == 1
    page = client_for(org.rm).get(detail(agreed)).content.decode()
    assert "大客户恒通物流搬去外地" in page and 'data-testid="reopen-form"' in page


def test_a_request_without_a_reason_comes_back_and_changes_nothing(org, agreed, client_for):
    response = ask(client_for(org.am), agreed, "  ")
    assert response.status_code == 200
    assert 'data-testid="change-form"' in response.content.decode()
    agreed.refresh_from_db()
    assert agreed.change_requested_at is None
    assert not Notification.objects.filter(kind=NotificationKind.MONTHLY_CHANGE_REQUESTED).exists()


def test_reopened_the_am_changes_it_and_the_agreement_revises_the_target(org, agreed, client_for):
    services.monthly_sheet_request_change(sheet=agreed, author=org.am, reason="住院一周")
    assert answer(client_for(org.rm), agreed, "同意，按三周重新报").status_code == 302
    agreed.refresh_from_db()
    assert agreed.status == SheetStatus.DRAFT and agreed.change_requested_at is None
    assert agreed.lines.get().proposed == 150  # starts from what was agreed
    assert visits_target(org) == 150  # stands until the changed sheet is agreed
    notice = Notification.objects.get(recipient=org.am, kind=NotificationKind.MONTHLY_REOPENED)
    assert notice.body == "同意，按三周重新报"
    assert notice.url == reverse("planning:monthly_edit", kwargs={"month": NOVEMBER})
    edit = client_for(org.am).get(notice.url).content.decode()
    assert "同意，按三周重新报" in edit

    visits = Metric.objects.get(code="visits")
    sheet = services.monthly_sheet_save(
        author=org.am, month=NOVEMBER, proposed={visits.pk: 110}, focus_items="", submit=True
    )
    services.monthly_sheet_agree(sheet=sheet, actor=org.rm, agreed={visits.pk: 115}, comment="")
    assert visits_target(org) == 115


def test_kept_as_agreed_the_am_hears_why_and_may_ask_again(org, agreed, client_for):
    services.monthly_sheet_request_change(sheet=agreed, author=org.am, reason="想调低")
    response = answer(client_for(org.rm), agreed, "月底还有两周，先坚持", button="keep")
    assert response.status_code == 302
    agreed.refresh_from_db()
    assert agreed.status == SheetStatus.AGREED and agreed.change_requested_at is None
    notice = Notification.objects.get(recipient=org.am, kind=NotificationKind.MONTHLY_REOPENED)
    assert notice.body == "月底还有两周，先坚持"
    services.monthly_sheet_request_change(sheet=agreed, author=org.am, reason="客户确实流失了")
    assert Notification.objects.filter(kind=NotificationKind.MONTHLY_CHANGE_REQUESTED).count() == 2


def test_a_month_that_is_over_stays_as_agreed(org, agreed, client_for):
    with time_machine.travel(datetime.datetime(2026, 12, 2, 4, 0, tzinfo=datetime.UTC)):
        page = client_for(org.am).get(detail(agreed)).content.decode()
        assert 'data-testid="change-form"' not in page
        with pytest.raises(Exception, match="已结束"):
            services.monthly_sheet_request_change(sheet=agreed, author=org.am, reason="x")
        response = answer(client_for(org.rm), agreed, "x")
        assert response.status_code == 200
        agreed.refresh_from_db()
        assert agreed.status == SheetStatus.AGREED


def test_only_an_agreed_sheet_is_reopened(org, agreed):
    services.monthly_sheet_reopen(sheet=agreed, actor=org.rm, reason="重新报")
    with pytest.raises(SheetTransitionError):
        services.monthly_sheet_reopen(sheet=agreed, actor=org.rm, reason="重新报")
    with pytest.raises(SheetTransitionError):
        services.monthly_sheet_request_change(sheet=agreed, author=org.am, reason="x")
    assert MonthlyGoalSheet.objects.get().status == SheetStatus.DRAFT


def not_saved_box(response) -> str:
    """The "what you typed was not saved" box of a page, or "" without one."""
    page = response.content.decode()
    start = page.find('data-testid="not-saved"')
    return "" if start < 0 else page[start : page.find("</div>\n</div>", start)]


def test_a_request_refused_after_one_from_another_tab_comes_back_to_copy(org, agreed, client_for):
    """QA (phone, two tabs): the second tab's request was refused with a redirect, and the
    reason typed there was gone."""
    client = client_for(org.am)
    ask(client, agreed, "大客户流失，拜访目标太高")
    response = ask(client, agreed, "另外：下周要请三天假")
    assert response.status_code == 200
    assert "已申请过调整" in response.content.decode()
    assert "另外：下周要请三天假" in not_saved_box(response)
    agreed.refresh_from_db()
    assert agreed.change_request == "大客户流失，拜访目标太高"
    # A double tap's second post typed what the first saved: nothing to copy.
    again = ask(client, agreed, "大客户流失，拜访目标太高")
    assert again.status_code == 302


def test_a_keep_refused_after_a_reopening_comes_back_to_copy(org, agreed, client_for):
    """The RM answered in one tab (reopened) and then in an older one (keep): that reason
    was dropped by a redirect."""
    services.monthly_sheet_request_change(sheet=agreed, author=org.am, reason="想调低")
    client = client_for(org.rm)
    answer(client, agreed, "同意，按三周重新报")
    response = answer(client, agreed, "月底还有两周，先坚持", button="keep")
    assert response.status_code == 200
    assert "没有待答复的调整申请" in response.content.decode()
    assert "月底还有两周，先坚持" in not_saved_box(response)
    agreed.refresh_from_db()
    assert agreed.status == SheetStatus.DRAFT


def test_a_second_click_on_keep_or_reopen_has_nothing_to_copy(org, agreed, client_for):
    client = client_for(org.rm)
    services.monthly_sheet_request_change(sheet=agreed, author=org.am, reason="想调低")
    answer(client, agreed, "先坚持", button="keep")
    assert answer(client, agreed, "先坚持", button="keep").status_code == 302
    answer(client, agreed, "重新报")
    assert answer(client, agreed, "重新报").status_code == 302


# --- after a move ---------------------------------------------------------------------


def test_after_a_mid_month_move_her_new_rm_answers_the_request(org, agreed, client_for):
    """Agreed by 东's RM on the 20th; she moves to 西 on Monday 23 November. Her request
    of the 25th went to 东's RM, who reopened the sheet and agreed her targets for weeks
    she works in 西; 西's RM, whose region now counts her, could do neither."""
    from accounts.services import membership_move

    membership_move(user=org.am, region=org.other_region, start_date=datetime.date(2026, 11, 23))
    with time_machine.travel(datetime.datetime(2026, 11, 25, 2, 0, tzinfo=datetime.UTC)):
        assert ask(client_for(org.am), agreed, "换了区域，客户要重新找").status_code == 302
        (notice,) = Notification.objects.filter(kind=NotificationKind.MONTHLY_CHANGE_REQUESTED)
        assert notice.recipient == org.other_rm
        # The RM she left still reads it, agreed by her, but no longer answers it.
        old = client_for(org.rm)
        page = old.get(detail(agreed)).content.decode()
        assert 'data-testid="reopen-form"' not in page
        assert answer(old, agreed, "不行").status_code == 403
        assert answer(client_for(org.other_rm), agreed, "按新区域重订").status_code == 302
    agreed.refresh_from_db()
    assert (agreed.status, agreed.agreed_by, agreed.region) == (
        SheetStatus.DRAFT,
        None,
        org.other_region,
    )


def test_next_months_sheet_agreed_before_a_move_goes_with_her(org, client_for):
    """December's sheet agreed on 22 November by 东's RM, a move to 西 on the 25th: all of
    December is 西's, and its RM answers a change of it."""
    from accounts.services import membership_move

    visits = Metric.objects.get(code="visits")
    with time_machine.travel(datetime.datetime(2026, 11, 22, 2, 0, tzinfo=datetime.UTC)):
        sheet = services.monthly_sheet_save(
            author=org.am,
            month=datetime.date(2026, 12, 1),
            proposed={visits.pk: 140},
            focus_items="",
            submit=True,
        )
        services.monthly_sheet_agree(sheet=sheet, actor=org.rm, agreed={visits.pk: 140}, comment="")
    with time_machine.travel(datetime.datetime(2026, 11, 25, 2, 0, tzinfo=datetime.UTC)):
        membership_move(
            user=org.am, region=org.other_region, start_date=datetime.date(2026, 11, 25)
        )
    sheet.refresh_from_db()
    assert (sheet.region, sheet.agreed_by) == (org.other_region, org.rm)
    assert client_for(org.other_rm).get(detail(sheet)).status_code == 200
    # She never works a day of December for 东's RM: as for any sheet of a period she
    # spent elsewhere, he no longer opens it.
    assert client_for(org.rm).get(detail(sheet)).status_code == 404


def test_a_sheet_of_a_month_over_stays_where_it_was_agreed(org, agreed):
    from accounts.services import membership_move

    with time_machine.travel(datetime.datetime(2026, 12, 2, 2, 0, tzinfo=datetime.UTC)):
        membership_move(
            user=org.am, region=org.other_region, start_date=datetime.date(2026, 11, 30)
        )
    agreed.refresh_from_db()
    assert agreed.region == org.region
