"""The log page of an AM with many prospects and many visits: every visit card lists all
her prospects. QA: 15 visits × 400 prospects took 0.4 s to render, 6,000 option
templates; the options are now rendered once per page."""

from unittest import mock

from django.forms.widgets import ChoiceWidget
from django.urls import reverse

from activity.models import LogStatus
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
