"""The weekly plan's prospects for an AM with hundreds of them.

QA: 拟拜访的准主顾 was a multi-select of her 400 prospects, on a phone a picker wheel of
400 names with no search, and a prospect's name typed in the plan's text box was not
linked to the prospect. The page now lists tick boxes (the same posted values) under a
filter box, and a typed name that is exactly one prospect's is linked to it."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from planning import selectors as planning_selectors
from planning.models import WeeklyReview
from tests import factories as f

# Friday 20 November 2026, 15:00 in Shanghai.
FRIDAY = datetime.datetime(2026, 11, 20, 7, 0, tzinfo=datetime.UTC)
WEEK = datetime.date(2026, 11, 16)
URL = reverse("planning:weekly_edit", kwargs={"week": WEEK})


@pytest.fixture(autouse=True)
def friday():
    with time_machine.travel(FRIDAY, tick=False):
        yield


def _planned():
    review = WeeklyReview.objects.get()
    return [(v.prospect_id, v.customer) for v in review.planned_visits.all()]


def test_prospects_are_tick_boxes_under_a_filter_box(org, client_for):
    chosen = f.ProspectFactory(owner=org.am, name="城东汽修厂")
    f.ProspectFactory(owner=org.peer_am, name="别人的客户")
    client = client_for(org.am)
    client.post(URL, {"planned_visit_count": "1", "planned_prospects": [chosen.pk]})

    html = client.get(URL).content.decode()
    assert '<select name="planned_prospects"' not in html
    assert 'data-prospect-filter="id_planned_prospects"' in html
    assert 'placeholder="输入名称查找准主顾"' in html
    assert (
        f'<input class="form-check-input" type="checkbox" name="planned_prospects"'
        f' value="{chosen.pk}" id="id_planned_prospects_0" checked>'
    ) in html
    assert '<label class="form-check-label" for="id_planned_prospects_0">城东汽修厂</label>' in html
    assert "别人的客户" not in html


def test_ticked_prospects_are_stored_and_others_refused_as_before(org, client_for):
    mine = f.ProspectFactory(owner=org.am, name="城东汽修厂")
    theirs = f.ProspectFactory(owner=org.peer_am, name="别人的客户")
    client = client_for(org.am)
    response = client.post(
        URL, {"planned_visit_count": "1", "planned_prospects": [mine.pk, theirs.pk]}
    )
    assert response.status_code == 200
    assert "planned_prospects" in response.context["form"].errors
    assert not WeeklyReview.objects.exists()
    client.post(URL, {"planned_visit_count": "1", "planned_prospects": [mine.pk]})
    assert _planned() == [(mine.pk, "城东汽修厂")]


def test_a_typed_name_that_is_one_prospects_is_linked_to_it(org, client_for):
    hengtong = f.ProspectFactory(owner=org.am, name="恒通物流")
    ticked = f.ProspectFactory(owner=org.am, name="城东汽修厂")
    f.ProspectFactory(owner=org.am, name="王先生")
    f.ProspectFactory(owner=org.am, name="王先生")  # two of that name: which one is unknown
    f.ProspectFactory(owner=org.peer_am, name="城西驾校")  # a colleague's prospect is not hers
    client_for(org.am).post(
        URL,
        {
            "planned_visit_count": "4",
            "planned_prospects": [ticked.pk],
            "planned_new": "恒通物流\n王先生\n城西驾校\n城东汽修厂\n",
        },
    )
    # 城东汽修厂 is ticked already: typed as well, it is not planned twice.
    assert _planned() == [
        (ticked.pk, "城东汽修厂"),
        (hengtong.pk, "恒通物流"),
        (None, "王先生"),
        (None, "城西驾校"),
    ]
    # The linked name comes back ticked, not as typed text.
    form = client_for(org.am).get(URL).context["form"]
    assert set(form.initial["planned_prospects"]) == {ticked.pk, hengtong.pk}
    assert form.initial["planned_new"] == "王先生\n城西驾校"


def test_a_customer_named_twice_is_planned_once(org, client_for):
    """A name typed twice, or typed full-width or with a space, or typed beside the
    prospect ticked for it, is one customer on the plan: a second visit to her is the
    visit count's to say (计划拜访数), and the week's check of planned visits would tick
    both lines off with one visit. Two of her prospects of one name, ticked, stay two."""
    hengtong = f.ProspectFactory(owner=org.am, name="恒通物流")
    ticked = f.ProspectFactory(owner=org.am, name="嘉禾4S店")
    wangs = [f.ProspectFactory(owner=org.am, name="王先生") for _ in range(2)]
    response = client_for(org.am).post(
        URL,
        {
            "planned_visit_count": "6",
            "planned_prospects": [ticked.pk, *(w.pk for w in wangs)],
            "planned_new": "恒通 物流\n恒通物流\n嘉禾４Ｓ店\n金桥租车行\n金桥 租车行\n恒通物流",
            "submit": "1",
        },
    )
    assert response.status_code == 302
    assert sorted(_planned(), key=str) == sorted(
        [
            (ticked.pk, "嘉禾4S店"),
            (wangs[0].pk, "王先生"),
            (wangs[1].pk, "王先生"),
            (hengtong.pk, "恒通物流"),
            (None, "金桥租车行"),
        ],
        key=str,
    )


def test_the_page_reads_prospects_once_however_many(org, client_for):
    client = client_for(org.am)
    f.ProspectFactory(owner=org.am)
    with CaptureQueriesContext(connection) as few:
        assert client.get(URL).status_code == 200
    f.ProspectFactory.create_batch(400, owner=org.am)
    with CaptureQueriesContext(connection) as many:
        html = client.get(URL).content.decode()
    assert html.count('name="planned_prospects"') == 401
    assert len(many) == len(few)


def test_ticked_prospects_come_first_the_rest_in_their_order(org, client_for):
    """QA: with 400 prospects an AM could not see which she had ticked; no JavaScript needed."""
    names = ["安达车行", "北方物流", "城东汽修厂", "东方驾校"]
    prospects = {name: f.ProspectFactory(owner=org.am, name=name) for name in names}
    client = client_for(org.am)
    ticked = [prospects["城东汽修厂"].pk, prospects["北方物流"].pk]
    client.post(URL, {"planned_visit_count": "2", "planned_prospects": ticked})

    html = client.get(URL).content.decode()
    listed = sorted(names, key=lambda name: html.index(f">{name}</label>"))
    # Pinyin order on PostgreSQL (安 北 城 东); SQLite, with no Chinese collation, keeps
    # code-point order (东 北 城 安).
    order = [p.name for p in planning_selectors.prospects_of(org.am)]
    first = ["北方物流", "城东汽修厂"]
    assert listed == first + [name for name in order if name not in first]
    # Each box keeps its label, and its tick.
    pk = prospects["城东汽修厂"].pk
    assert f'value="{pk}" id="id_planned_prospects_2" checked>' in html
    assert '<label class="form-check-label" for="id_planned_prospects_2">城东汽修厂</label>' in html


def test_a_plan_handed_in_counts_at_least_the_customers_it_names(org, client_for):
    """QA (phone): the AM ticked three prospects, typed one more and left 1 in 下周计划拜访数;
    her RM read "计划拜访 1 次" over four names, and the region's 拜访计划 column said 1."""
    garage = f.ProspectFactory(owner=org.am, name="城东汽修厂")
    school = f.ProspectFactory(owner=org.am, name="城西驾校")
    fleet = f.ProspectFactory(owner=org.am, name="恒通物流")
    client = client_for(org.am)
    plan = {
        "planned_prospects": [garage.pk, school.pk, fleet.pk],
        "planned_new": "金桥租车行\n城东汽修厂",  # the second is ticked already: one visit
        "submit": "1",
    }
    response = client.post(URL, {**plan, "planned_visit_count": "1"})
    assert response.status_code == 200
    (error,) = response.context["form"].errors["planned_visit_count"]
    assert "4" in error  # 您列出了 4 位拟拜访的客户：计划拜访数至少为 4。
    html = response.content.decode()
    assert 'data-testid="error-planned_visit_count"' in html and "金桥租车行" in html
    assert not WeeklyReview.objects.exists()

    # A draft may be half done; handed in with the count raised, it goes.
    del plan["submit"]
    assert client.post(URL, {**plan, "planned_visit_count": "1"}).status_code == 302
    response = client.post(URL, {**plan, "planned_visit_count": "6", "submit": "1"})
    assert response.status_code == 302
    review = WeeklyReview.objects.get()
    assert review.status == "submitted" and review.planned_visit_count == 6
    assert len(_planned()) == 4
