"""An AM keeps their own prospect list (准主顾): add, correct, find."""

from django.urls import reverse

from activity.models import Prospect
from tests import factories as f


def test_an_am_adds_a_prospect_to_their_list(client_for, org):
    client = client_for(org.am)
    response = client.post(
        reverse("activity:prospect_create"),
        {"name": "恒通物流", "source": "referral", "phone": "13900001111", "stage": "interested"},
    )
    assert response.status_code == 302 and response.url == reverse("activity:prospect_list")
    prospect = Prospect.objects.get(name="恒通物流")
    assert prospect.owner == org.am and prospect.source == "referral"
    listed = client.get(reverse("activity:prospect_list")).content.decode()
    assert "恒通物流" in listed and "13900001111" in listed


def test_a_prospect_without_a_name_is_refused_and_what_was_typed_stays(client_for, org):
    response = client_for(org.am).post(
        reverse("activity:prospect_create"), {"name": "", "phone": "13900001111", "age": ""}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    assert 'value="13900001111"' in response.content.decode()
    assert not Prospect.objects.exists()


def test_correcting_a_prospect_keeps_it_the_ams(client_for, org):
    prospect = f.ProspectFactory(owner=org.am, name="鑫源汽修")
    response = client_for(org.am).post(
        reverse("activity:prospect_edit", args=[prospect.pk]),
        {"name": "鑫源汽修厂", "stage": "won"},
    )
    assert response.status_code == 302
    prospect.refresh_from_db()
    assert (prospect.name, prospect.stage, prospect.owner) == ("鑫源汽修厂", "won", org.am)


def test_the_search_finds_only_the_ams_own_prospects(client_for, org):
    f.ProspectFactory(owner=org.am, name="城东汽修厂")
    f.ProspectFactory(owner=org.am, name="华夏物流")
    f.ProspectFactory(owner=org.peer_am, name="城东车队")
    response = client_for(org.am).get(reverse("activity:prospect_list"), {"q": "城东"})
    assert [p.name for p in response.context["prospects"]] == ["城东汽修厂"]


def test_unset_choices_read_a_dash(client_for, org):
    html = client_for(org.am).get(reverse("activity:prospect_create")).content.decode()
    assert "---------" not in html
    assert html.count('<option value="" selected>—</option>') >= 3  # source, gender, attitude
