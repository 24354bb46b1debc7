"""Messages of Django and of the libraries, worded for Footwork's users.

Our catalogue (LOCALE_PATHS) is read after Django's and the apps', so an entry in
locale/ with one of these msgids replaces their wording or fills a missing translation.
They are marked here only so that makemessages keeps them; nothing imports this module.
"""

from django.utils.translation import gettext_noop, ngettext_lazy

# Django's Chinese reads "确保该变量包含不超过 2000 字符": "variable" means nothing to an AM.
ngettext_lazy(
    "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
    "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
    "limit_value",
)
# Django 5.2 reworded this one and its Chinese catalogue has only the old wording: the
# message came out in English beside the other validators' Chinese.
ngettext_lazy(
    "This password is too short. It must contain at least %d character.",
    "This password is too short. It must contain at least %d characters.",
    "min_length",
)
# "两者都区分大小写" (both are case-sensitive) about a numeric 工号 only puzzles people.
gettext_noop(
    "Please enter a correct %(username)s and password. Note that both fields may be case-sensitive."
)
# django-axes ships no Chinese: its models show in the admin.
gettext_noop("access attempt")
gettext_noop("access attempts")
gettext_noop("access failure")
gettext_noop("access failures")
gettext_noop("access log")
gettext_noop("access logs")
gettext_noop("access attempt expiration")
gettext_noop("access attempt expirations")
# Django's admin index has hidden column headers (read by screen readers) that its
# Chinese catalogue does not carry yet.
gettext_noop("Model name")
gettext_noop("Add link")
gettext_noop("Change or view list link")
# Django's Chinese password texts say 你 where every other page says 您.
gettext_noop("Your old password was entered incorrectly. Please enter it again.")
ngettext_lazy(
    "Your password must contain at least %(min_length)d character.",
    "Your password must contain at least %(min_length)d characters.",
    "min_length",
)
gettext_noop("Your password can’t be too similar to your other personal information.")
gettext_noop("Your password can’t be a commonly used password.")
gettext_noop("Your password can’t be entirely numeric.")
# Django 5.1 reworded the note on the admin's 员工 add page; its Chinese catalogue has
# only the old wording.
gettext_noop("After you’ve created a user, you’ll be able to edit more user options.")
# django-axes' list filters, column headers and detail pages (it ships no Chinese).
gettext_noop("Locked Out")
gettext_noop("Attempt Remaining")
gettext_noop("Attempt Time")
gettext_noop("Logout Time")
gettext_noop("Path")
gettext_noop("User Agent")
gettext_noop("IP Address")
gettext_noop("Username")
gettext_noop("HTTP Accept")
gettext_noop("GET Data")
gettext_noop("POST Data")
gettext_noop("Failed Logins")
gettext_noop("Access lock out")
gettext_noop("Access Attempt")
gettext_noop("Expires At")
gettext_noop("The time when access attempt expires and is no longer valid.")
gettext_noop("Session key hash (sha256)")
gettext_noop("Form Data")
gettext_noop("Meta Data")
gettext_noop("Not set")
gettext_noop("Clean up expired attempts")
