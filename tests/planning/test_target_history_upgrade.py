"""Target histories written before their reasons' source was kept read in English too."""

import datetime
import importlib

from django.apps import apps
from django.utils import translation

from planning.models import PeriodKind, Target, TargetRevision
from tests.planning.helpers import metric

MIGRATION = "planning.migrations.0009_targetrevision_reason_source_fill_english"


def test_reasons_footwork_wrote_before_the_upgrade_read_in_english(org):
    target = Target.objects.create(
        user=org.am,
        metric=metric("visits"),
        period_kind=PeriodKind.MONTH,
        period_start=datetime.date(2026, 11, 1),
        value=120,
        updated_by=org.rm,
    )
    reasons = [
        "2026-11 每月目标设定表已确认",
        "年度目标分解",
        "2026-11-16 的周检讨已批阅",
        "客户搬走了",
    ]
    for reason in reasons:
        TargetRevision.objects.create(target=target, new_value=1, reason=reason, changed_by=org.rm)
    importlib.import_module(MIGRATION).fill(apps, None)
    with translation.override("en"):
        shown = {r.reason: r.shown_reason() for r in TargetRevision.objects.all()}
    assert shown == {
        "2026-11 每月目标设定表已确认": "Agreed monthly goal sheet 2026-11",
        "年度目标分解": "Breakdown of the annual target",
        "2026-11-16 的周检讨已批阅": "Weekly plan reviewed 2026-11-16",
        "客户搬走了": "客户搬走了",  # typed: as typed
    }
    with translation.override("zh-hans"):
        assert {r.shown_reason() for r in TargetRevision.objects.all()} == set(reasons)
