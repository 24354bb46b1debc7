"""The log page of an AM with many prospects and many visits. QA: 15 visits × 400
prospects took 0.4 s to render, 6,000 option templates; the options are now rendered
once per page. At real size (800 prospects) the 16 lists were still 800 KB of page, so
a card lists the 50 she worked on last, and a visit named as another is linked to it."""

import datetime
from unittest import mock

from django.db import connection
from django.forms.widgets import ChoiceWidget
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activity.forms import PROSPECTS_LISTED
from activity.models import LogStatus, Prospect, VisitRecord
from tests import factories as f


def _picker(html: str, index: int) -> str:
    return html.split(f'<select name="visits-{index}-prospect"')[1].split("</select>")[0]


def test_each_visit_card_lists_every_prospect_with_its_own_chosen(client_for, org, today):
    prospects = [f.ProspectFactory(owner=org.am, name=f"客户{i:02d}") for i in range(40)]
    odd = f.ProspectFactory(owner=org.am, name='<b>恒通</b>&"物流"')
    log = f.DailyLogFactory(author=org.am, region=org.region, date=today, status=LogStatus.DRAFT)
    for i in range(15):
        f.VisitRecordFactory(log=log, prospect=prospects[i], customer=prospects[i].name, order=i)
    f.VisitRecordFactory(log=log, prospect=odd, customer="恒通", order=15)

    built = []
    create_option = ChoiceWidget.create_option

    def counted(self, name, *args, **kwargs):
        if name.endswith("-prospect"):
            built.append(name)
        return create_option(self, name, *args, **kwargs)

    with mock.patch.object(ChoiceWidget, "create_option", counted):
        html = client_for(org.am).get(reverse("activity:log_edit", kwargs={"day": today}))
    html = html.content.decode()

    # Built once for the page, not once per card (16 cards × 42 options before).
    assert len(built) <= 42
    for i in range(15):
        picker = _picker(html, i)
        assert picker.count("<option") == 42
        assert f'<option value="{prospects[i].pk}" selected>客户{i:02d}</option>' in picker
        assert picker.count(" selected") == 1
    assert f'<option value="{odd.pk}" selected>&lt;b&gt;恒通&lt;/b&gt;&amp;' in _picker(html, 15)
    assert "<b>恒通</b>" not in html
    # The card "add a visit" copies: nothing chosen.
    assert '<option value="" selected>—</option>' in _picker(html, "__prefix__")


def test_a_refused_post_keeps_each_cards_choice(client_for, org, today):
    chosen = f.ProspectFactory(owner=org.am, name="华夏物流")
    f.ProspectFactory(owner=org.am, name="城东汽修厂")
    data = {
        "visits-TOTAL_FORMS": "2",
        "visits-INITIAL_FORMS": "0",
        "visits-0-prospect": str(chosen.pk),
        "visits-1-needs": "要报价",  # no customer: refused
        "save": "1",
    }
    response = client_for(org.am).post(reverse("activity:log_edit", kwargs={"day": today}), data)
    html = response.content.decode()
    assert "请填写拜访的客户或单位。" in html
    assert f'<option value="{chosen.pk}" selected>华夏物流</option>' in _picker(html, 0)
    assert '<option value="" selected>—</option>' in _picker(html, 1)
    assert 'aria-describedby="id_visits-1-customer_error"' in html


def _many_prospects(org, today, count: int) -> list:
    """`count` prospects beyond the cards' list: the first 20 added a year ago, five of
    those visited three days ago; the rest added today."""
    prospects = [f.ProspectFactory(owner=org.am, name=f"客户{i:03d}") for i in range(count)]
    long_ago = timezone.now() - datetime.timedelta(days=365)
    Prospect.objects.filter(pk__in=[p.pk for p in prospects[:20]]).update(created_at=long_ago)
    earlier = f.DailyLogFactory(
        author=org.am, region=org.region, date=today - datetime.timedelta(days=3)
    )
    for p in prospects[10:15]:
        f.VisitRecordFactory(log=earlier, prospect=p, customer=p.name)
    return prospects


def test_with_many_prospects_each_list_offers_the_latest_worked_on(client_for, org, today):
    prospects = _many_prospects(org, today, PROSPECTS_LISTED + 10)
    log = f.DailyLogFactory(author=org.am, region=org.region, date=today, status=LogStatus.DRAFT)
    f.VisitRecordFactory(log=log, prospect=prospects[25], customer=prospects[25].name)

    html = client_for(org.am).get(reverse("activity:log_edit", kwargs={"day": today}))
    html = html.content.decode()

    picker = _picker(html, 0)
    # "—" and 50: the 40 added today (one of them visited today), the five visited three
    # days ago, then the latest added of the year-old ones.
    assert picker.count("<option") == PROSPECTS_LISTED + 1
    listed = {p.pk for p in prospects if f'<option value="{p.pk}"' in picker}
    assert {p.pk for p in prospects[20:] + prospects[10:15]} <= listed
    assert not listed & {p.pk for p in prospects[:10]}
    assert f'<option value="{prospects[25].pk}" selected>' in picker
    # Every name is still offered in the customer box, and the page says how to find one.
    datalist = html.split('<datalist id="prospect-names">')[1].split("</datalist>")[0]
    assert datalist.count("<option") == len(prospects)
    assert 'data-testid="prospects-listed"' in html


def test_a_few_prospects_are_all_listed_without_a_note(client_for, org, today):
    prospects = [f.ProspectFactory(owner=org.am) for _ in range(PROSPECTS_LISTED)]
    html = client_for(org.am).get(reverse("activity:log_edit", kwargs={"day": today}))
    html = html.content.decode()
    assert _picker(html, "__prefix__").count("<option") == len(prospects) + 1
    assert 'data-testid="prospects-listed"' not in html


def test_a_refused_post_keeps_a_choice_beyond_the_list(client_for, org, today):
    prospects = _many_prospects(org, today, PROSPECTS_LISTED + 10)
    data = {
        "visits-TOTAL_FORMS": "2",
        "visits-INITIAL_FORMS": "0",
        "visits-0-prospect": str(prospects[0].pk),
        "visits-1-needs": "要报价",  # no customer: refused
        "save": "1",
    }
    response = client_for(org.am).post(reverse("activity:log_edit", kwargs={"day": today}), data)
    html = response.content.decode()
    assert "请填写拜访的客户或单位。" in html
    assert f'<option value="{prospects[0].pk}" selected>客户000</option>' in _picker(html, 0)


def _post_visit(client, day, **visit) -> None:
    data = {"visits-TOTAL_FORMS": "1", "visits-INITIAL_FORMS": "0", "save": "1"}
    data.update({f"visits-0-{name}": value for name, value in visit.items()})
    response = client.post(reverse("activity:log_edit", kwargs={"day": day}), data)
    assert response.status_code == 302, response.content.decode()[:2000]


def test_a_visit_named_as_a_prospect_beyond_the_list_is_linked_to_it(client_for, org, today):
    prospects = _many_prospects(org, today, PROSPECTS_LISTED + 10)
    # Typed as a Chinese keyboard types it, full-width and with a space.
    _post_visit(client_for(org.am), today, customer="客户 ００１")
    visit = VisitRecord.objects.get(log__author=org.am, log__date=today)
    assert visit.prospect_id == prospects[1].pk
    assert visit.customer == "客户 ００１"


def test_a_name_of_two_prospects_or_of_none_links_no_prospect(client_for, org, today):
    f.ProspectFactory(owner=org.am, name="王先生")
    f.ProspectFactory(owner=org.am, name="王先生")
    f.ProspectFactory(owner=org.outsider_am, name="恒通物流")  # someone else's
    client = client_for(org.am)
    _post_visit(client, today, customer="王先生")
    assert VisitRecord.objects.get(log__author=org.am, log__date=today).prospect_id is None
    _post_visit(client, today, customer="恒通物流")
    assert VisitRecord.objects.get(log__author=org.am, log__date=today).prospect_id is None


def test_the_log_page_reads_as_many_prospects_queries_with_more(
    client_for, org, today, django_assert_max_num_queries
):
    _many_prospects(org, today, PROSPECTS_LISTED + 1)
    client = client_for(org.am)
    url = reverse("activity:log_edit", kwargs={"day": today})
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(100):
        f.ProspectFactory(owner=org.am, name=f"新客户{i:03d}")
    # The same queries: every prospect once (the datalist), the latest once (the lists).
    with django_assert_max_num_queries(len(few)):
        response = client.get(url)
    assert _picker(response.content.decode(), "__prefix__").count("<option") == (
        PROSPECTS_LISTED + 1
    )
