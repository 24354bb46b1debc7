"""Reasons Footwork wrote into target histories before their source was kept
(0008): found by their wording, so an English reader reads them in English too. A
reason someone typed that happens to read the same is shown translated as well, which
says the same thing."""

import re

from django.db import migrations

# The default language's wordings (zh-hans, and en for a site set to English).
EXACT = {
    "年度目标分解": "Breakdown of the annual target",
    "Breakdown of the annual target": "Breakdown of the annual target",
    "设定月目标": "Monthly target set",
    "Monthly target set": "Monthly target set",
}
PATTERNS = [
    (
        re.compile(r"^(\d{4}-\d{2}) 每月目标设定表已确认$"),
        "Agreed monthly goal sheet %(month)s",
        "month",
    ),
    (
        re.compile(r"^Agreed monthly goal sheet (\d{4}-\d{2})$"),
        "Agreed monthly goal sheet %(month)s",
        "month",
    ),
    (re.compile(r"^(\d{4}-\d{2}-\d{2}) 的周检讨已批阅$"), "Weekly plan reviewed %(week)s", "week"),
    (
        re.compile(r"^Weekly plan reviewed (\d{4}-\d{2}-\d{2})$"),
        "Weekly plan reviewed %(week)s",
        "week",
    ),
]


def source_for(reason: str) -> dict:
    if reason in EXACT:
        return {"msgid": EXACT[reason], "params": {}}
    for pattern, msgid, param in PATTERNS:
        match = pattern.match(reason)
        if match:
            return {"msgid": msgid, "params": {param: match.group(1)}}
    return {}


def fill(apps, schema_editor):
    TargetRevision = apps.get_model("planning", "TargetRevision")
    revisions = TargetRevision.objects.filter(reason_source={}).exclude(reason="")
    for reason in revisions.values_list("reason", flat=True).distinct():
        source = source_for(reason)
        if source:
            revisions.filter(reason=reason).update(reason_source=source)


class Migration(migrations.Migration):
    dependencies = [("planning", "0008_targetrevision_reason_source_english")]

    # Backwards: 0008 drops the column.
    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
