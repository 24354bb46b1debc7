"""`make run`'s demo: `manage.py seed_demo` builds one branch, once, in Chinese."""

import re

import pytest
from django.core.management import call_command
from django.utils import translation

from accounts.models import Branch, User
from activity.models import DailyLog
from planning.models import TargetRevision, TrackedItem

ENGLISH_WORDS = re.compile(r"[A-Za-z]{3,}")


@pytest.mark.django_db
def test_seed_demo_builds_the_branch_once_and_writes_chinese(capsys):
    translation.deactivate()  # as in `make run`'s fresh process: the site's default language
    call_command("seed_demo", ams=6, weeks=2)
    first = capsys.readouterr().out
    counts = (User.objects.count(), DailyLog.objects.count(), TargetRevision.objects.count())
    assert Branch.objects.count() == 1 and counts[1] > 0 and counts[2] > 0
    assert "0002" in first  # the logins are printed

    call_command("seed_demo", ams=6, weeks=2)
    assert "already there" in capsys.readouterr().out
    assert (User.objects.count(), DailyLog.objects.count(), TargetRevision.objects.count()) == (
        counts
    )

    # Text stored by the demo is shown as it is: it must be in the site's language.
    stored = [
        *TargetRevision.objects.values_list("reason", flat=True),
        *TrackedItem.objects.values_list("title", flat=True),
    ]
    assert stored and not [text for text in stored if ENGLISH_WORDS.search(text)]
