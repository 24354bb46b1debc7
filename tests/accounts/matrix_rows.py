from tests.matrix import LOGIN, Row, anyone, everyone

ROWS = [
    # Home sends each role to their work (AM and RM are redirected, the others see regions).
    Row("accounts:home", expect=everyone(200, am=302, peer_am=302, rm=302, other_rm=302)),
    # The login page is for anonymous users; logged-in users are sent home.
    Row("accounts:login", expect=everyone(302, anonymous=200, deactivated=200)),
    Row(
        "accounts:login",
        method="post",
        data=lambda org: {"username": org.am.employee_no, "password": "wrong"},
        expect=everyone(302, anonymous=200, deactivated=200),
    ),
    # Logging out ends at the login page, whoever you were.
    Row("accounts:logout", method="post", expect=everyone(LOGIN)),
    Row("accounts:logout", method="get", expect=anyone(405)),
    Row("accounts:home", method="post", expect=anyone(405)),
    Row("accounts:password_change", expect=everyone(200)),
    # One's own password only: a wrong old password re-renders the form, changing nothing.
    Row(
        "accounts:password_change",
        method="post",
        data=lambda org: {
            "old_password": "wrong",
            "new_password1": "Zz9-footwork-new",
            "new_password2": "Zz9-footwork-new",
        },
        expect=everyone(200),
    ),
    Row("accounts:password_change_done", expect=everyone(200)),
    # Logged in first (Django's login_required on its dispatch), then GET only.
    Row("accounts:password_change_done", method="post", expect=everyone(405)),
    Row(
        "set_language",
        method="post",
        data=lambda org: {"language": "en", "next": "/"},
        expect=everyone(302, anonymous=302, deactivated=302),
    ),
    # The health check answers anyone (load balancers, monitoring); it shows no data.
    Row("healthz", expect=anyone(200)),
    Row("healthz", method="post", expect=anyone(405)),
    # Django's set_language answers a GET by sending the browser back, setting nothing.
    Row("set_language", expect=everyone(302, anonymous=302, deactivated=302)),
    # Django's configuration site: staff only (admins); others are sent to its login.
    Row("admin:index", expect=everyone(302, admin=200, anonymous=302, deactivated=302)),
    Row(
        "admin:index",
        method="post",
        expect=everyone(302, admin=200, anonymous=302, deactivated=302),
    ),
]
