"""Deactivating someone in the admin, as the staff import does, ends their membership."""

import datetime

from django.urls import reverse

from accounts.models import RegionMembership, User


def change_form_data(response) -> dict:
    """What the admin's change form would post back unchanged."""
    data = {}
    forms = [response.context["adminform"].form]
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        data |= {management.add_prefix(k): v for k, v in management.initial.items()}
        forms += formset.formset.forms
    for form in forms:
        for name, field in form.fields.items():
            value = form.initial.get(name, field.initial)
            if callable(value):
                value = value()
            if isinstance(value, bool):
                if value:
                    data[form.add_prefix(name)] = "on"
            elif isinstance(value, datetime.datetime):
                local = value.astimezone()
                data[form.add_prefix(name) + "_0"] = local.date().isoformat()
                data[form.add_prefix(name) + "_1"] = local.time().isoformat(timespec="seconds")
            elif isinstance(value, list | tuple):
                data[form.add_prefix(name)] = [str(getattr(v, "pk", v)) for v in value]
            elif hasattr(value, "pk"):
                data[form.add_prefix(name)] = str(value.pk)
            elif value is not None:
                data[form.add_prefix(name)] = str(value)
    return data


def test_deactivating_an_am_ends_their_region_membership(admin_client, org, today):
    """On the day before: no log handed in today, so the day they leave is not owed."""
    url = reverse("admin:accounts_user_change", args=[org.am.pk])
    data = change_form_data(admin_client.get(url))
    data.pop("is_active")
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    org.am.refresh_from_db()
    assert not org.am.is_active
    assert list(
        RegionMembership.objects.filter(user=org.am).values_list("end_date", flat=True)
    ) == [today - datetime.timedelta(days=1)]


def test_saving_an_active_user_leaves_the_membership_open(admin_client, org):
    url = reverse("admin:accounts_user_change", args=[org.am.pk])
    response = admin_client.post(url, change_form_data(admin_client.get(url)))
    assert response.status_code == 302
    assert RegionMembership.objects.get(user=org.am).end_date is None


def test_an_am_promoted_to_rm_leaves_her_region_after_today(admin_client, org, today):
    """As the staff import does: she no longer owes daily logs from tomorrow, nor counts
    in the region's headcount (she stayed in its week grid as 未填 before)."""
    url = reverse("admin:accounts_user_change", args=[org.am.pk])
    data = change_form_data(admin_client.get(url))
    data["role"] = "rm"
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert RegionMembership.objects.get(user=org.am).end_date == today


def test_changing_another_role_leaves_memberships_alone(admin_client, org):
    url = reverse("admin:accounts_user_change", args=[org.peer_am.pk])
    data = change_form_data(admin_client.get(url))
    data["name"] = "李四四"
    assert admin_client.post(url, data).status_code == 302
    assert RegionMembership.objects.get(user=org.peer_am).end_date is None


def test_an_rm_made_an_account_manager_gives_up_her_region(admin_client, org, client):
    """She read and signed her old region's logs (and its customers' phone numbers)
    until the admin also cleared the region's manager: the staff import gives a row
    whose role holds no post none, and so does the admin now."""
    from activity.models import LogStatus
    from tests import factories as f

    log = f.DailyLogFactory(author=org.am, region=org.region, status=LogStatus.SUBMITTED)
    url = reverse("admin:accounts_user_change", args=[org.rm.pk])
    data = change_form_data(admin_client.get(url))
    data["role"] = "am"
    response = admin_client.post(url, data, follow=True)
    # The admin is told which posts went (区域 东), as the import's preview says.
    assert any("区域 东" in str(m) for m in response.context["messages"])
    org.region.refresh_from_db()
    assert org.region.manager is None
    # Her session goes on, her old region's logs are no longer hers.
    client.force_login(org.rm)
    assert client.get(reverse("activity:log_detail", args=[log.pk])).status_code == 404
    response = client.post(reverse("activity:log_sign_off", args=[log.pk]), {"comment": "好"})
    assert response.status_code == 404
    log.refresh_from_db()
    assert log.status == LogStatus.SUBMITTED


def test_a_branch_head_made_an_admin_gives_up_her_branch(admin_client, org):
    """An admin reads every region but acts on nobody's logs."""
    url = reverse("admin:accounts_user_change", args=[org.branch_head.pk])
    data = change_form_data(admin_client.get(url))
    data["role"] = "admin"
    assert admin_client.post(url, data).status_code == 302
    org.branch.refresh_from_db()
    assert org.branch.head is None


def test_an_rm_made_an_area_manager_keeps_her_posts(admin_client, org):
    """The admin gives her the area next; until then her region is still hers."""
    url = reverse("admin:accounts_user_change", args=[org.rm.pk])
    data = change_form_data(admin_client.get(url))
    data["role"] = "area_manager"
    assert admin_client.post(url, data).status_code == 302
    org.region.refresh_from_db()
    assert org.region.manager == org.rm


def test_a_number_name_and_mobile_are_kept_as_the_import_reads_them(admin_client, org):
    """Typed or pasted in the admin they were kept as they came: 1999 with a zero-width
    space from WeChat was a login nobody could type, and a mobile ＋８６ １３８-0013-8000
    or "abc" one the next import of the staff export refused."""
    add = reverse("admin:accounts_user_add")
    response = admin_client.post(
        add,
        {
            **change_form_data(admin_client.get(add)),
            "employee_no": "１９９９\u200b",
            "name": "\u3000新人\u200b",
            "role": "am",
            "usable_password": "false",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert User.objects.filter(employee_no="1999", name="新人").exists()

    url = reverse("admin:accounts_user_change", args=[org.am.pk])
    data = change_form_data(admin_client.get(url))
    response = admin_client.post(url, {**data, "mobile": "＋８６ １３８-0013-8000"})
    assert response.status_code == 302
    org.am.refresh_from_db()
    assert org.am.mobile == "13800138000"
    response = admin_client.post(url, {**data, "mobile": "abc"})
    assert response.status_code == 200
    assert "mobile" in response.context["adminform"].form.errors
    assert 'value="abc"' in response.content.decode()


def test_a_mobile_stored_long_ago_does_not_block_another_change(admin_client, org):
    User.objects.filter(pk=org.am.pk).update(mobile="0571-8888666")
    url = reverse("admin:accounts_user_change", args=[org.am.pk])
    response = admin_client.post(url, {**change_form_data(admin_client.get(url)), "name": "新名"})
    assert response.status_code == 302
    org.am.refresh_from_db()
    assert (org.am.name, org.am.mobile) == ("新名", "0571-8888666")


def test_the_staff_list_narrows_to_who_works_in_a_region_today(admin_client, org, today):
    """A branch's staff list runs to thousands: QA looking for 东's people could filter
    by role and by active only. Someone who has moved on is not listed with them."""
    moved = org.outsider_am
    gone = [moved.pk, org.deactivated.pk]  # left as the admin's deactivation leaves them
    RegionMembership.objects.filter(user__in=gone).update(end_date=today - datetime.timedelta(1))
    RegionMembership.objects.create(
        user=moved,
        region=org.region,
        start_date=today - datetime.timedelta(30),
        end_date=today - datetime.timedelta(1),
    )
    url = reverse("admin:accounts_user_changelist")
    page = admin_client.get(url)
    assert f"?region={org.region.pk}" in page.content.decode()
    listed = admin_client.get(url, {"region": org.region.pk}).context["cl"].result_list
    assert {user.pk for user in listed} == {org.am.pk, org.peer_am.pk}
