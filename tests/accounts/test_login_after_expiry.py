"""A form posted after the session ended: after logging in, back to the page it was on.

QA (phone, an RM): the coaching note of a weekly review was posted after the session
had ended; the login page then sent her to the post's address, which only takes a
post, and the browser showed its own "HTTP ERROR 405" page. The same for 确认, 签批,
退回修改 and every action that only takes a post.
"""

import datetime

from django.urls import reverse

from planning.models import WeeklyReview
from tests.factories import PASSWORD


def _review(org):
    return WeeklyReview.objects.create(
        author=org.am, region=org.region, week_start=datetime.date(2026, 11, 16), status="submitted"
    )


def test_an_action_posted_after_the_session_ended_returns_to_its_page(client, org):
    review = _review(org)
    page = reverse("planning:weekly_detail", kwargs={"pk": review.pk})
    action = reverse("planning:weekly_review", kwargs={"pk": review.pk})
    response = client.post(
        action, {"coaching_note": "先电话预约"}, HTTP_REFERER=f"http://testserver{page}"
    )
    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:login')}?next={page}"
    # Logging in there goes back to the page, not to the action (405 to a GET).
    login = client.post(
        response.url, {"username": org.rm.employee_no, "password": PASSWORD}, follow=True
    )
    assert login.redirect_chain[-1][0] == page
    assert login.status_code == 200
    assert WeeklyReview.objects.get().status == "submitted"  # nothing done unseen


def test_another_site_s_referer_or_none_leaves_the_login_page_s_next_alone(client, org):
    action = reverse("planning:weekly_review", kwargs={"pk": _review(org).pk})
    expected = f"{reverse('accounts:login')}?next={action}"
    assert client.post(action, HTTP_REFERER="https://evil.example/plan/").url == expected
    assert client.post(action).url == expected


def test_a_form_posting_to_its_own_page_keeps_it(client, org):
    edit = reverse("planning:weekly_edit", kwargs={"week": datetime.date(2026, 11, 16)})
    response = client.post(edit, {}, HTTP_REFERER=f"http://testserver{edit}")
    assert response.url == f"{reverse('accounts:login')}?next={edit}"
    # A log's sign-off, on the log's page.
    sign_off = reverse("activity:log_sign_off", kwargs={"pk": 1})
    log_page = reverse("activity:log_detail", kwargs={"pk": 1})
    response = client.post(sign_off, HTTP_REFERER=f"http://testserver{log_page}?from=queue")
    assert response.url == f"{reverse('accounts:login')}?next={log_page}%3Ffrom%3Dqueue"
