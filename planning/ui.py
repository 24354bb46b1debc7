"""Small helpers that shape requests and forms for the views (no business rules)."""

import datetime

from django.http import Http404

from activity.models import Metric
from activity.selectors import VISITS_METRIC_CODE
from config.converters import parse_day

from . import periods, selectors
from .forms import MAX_PLANNED_VISITS, cell_name
from .models import MonthlyGoalSheet, PeriodKind, Target


def date_param(request, name: str) -> datetime.date | None:
    return parse_day(request.GET.get(name, ""))


def metric_param(request) -> Metric:
    metrics = selectors.active_metrics()
    if not metrics:
        raise Http404
    code = request.GET.get("metric")
    return next((m for m in metrics if m.code == code), metrics[0])


def trend_context(request, *, today, user=None, region=None) -> dict:
    metric = metric_param(request)
    points = selectors.trend(
        metric=metric, last_week=periods.week_start(today), user=user, region=region
    )
    return {
        "trend_metric": metric,
        "trend_metrics": selectors.active_metrics(),
        "chart": selectors.trend_chart(points, today=today),
        "phone_chart": selectors.trend_chart(
            points, width=320, height=180, today=today, label_every=3
        ),
    }


def monthly_initial(
    user, month: datetime.date, sheet: MonthlyGoalSheet | None, branch_id: int | None
) -> tuple[dict, str, selectors.LastMonthFigures | None]:
    """The sheet's own numbers; else the month's targets (the cascade); else last month's
    sheet, scaled to this month's working days. With where they came from ("sheet",
    "targets", "last_month", or "" for none): the page says it only when it is so (QA: a
    new branch read "pre-filled" above empty boxes); and last month's figures, whose
    working days it names."""
    if sheet is not None:
        initial = {f"metric_{line.metric_id}": line.proposed for line in sheet.lines.all()}
        initial["focus_items"] = sheet.focus_items
        return initial, "sheet", None
    targets = Target.objects.filter(user=user, period_kind=PeriodKind.MONTH, period_start=month)
    initial = {f"metric_{m}": v for m, v in targets.values_list("metric_id", "value")}
    if initial:
        return initial, "targets", None
    last = selectors.last_month_figures(user, month, branch_id)
    if last is not None:
        return {f"metric_{m}": v for m, v in last.values.items()}, "last_month", last
    return {}, "", None


def weekly_initial(user, region, week, review, sheet) -> dict:
    """What the review form shows before the AM types: the saved draft, else defaults.

    Next week's targets default to what the cascade says for next week, else this week's.
    """
    if review is not None:
        initial = {
            "situation_analysis": review.situation_analysis,
            "planned_visit_count": review.planned_visit_count,
            "desk_work_plan": review.desk_work_plan,
            "planned_prospects": [
                p.prospect_id for p in review.planned_visits.all() if p.prospect_id
            ],
            "planned_new": "\n".join(
                p.customer for p in review.planned_visits.all() if not p.prospect_id
            ),
        }
        for line in review.lines.all():
            initial[f"cause_{line.metric_id}"] = line.cause
            initial[f"countermeasure_{line.metric_id}"] = line.countermeasure
            initial[f"next_{line.metric_id}"] = line.next_week_target
        return initial
    initial = {}
    for this, value in zip(
        sheet.lines, selectors.next_week_targets(user, region, sheet), strict=True
    ):
        if value is not None:
            initial[f"next_{this.metric.pk}"] = value
            if this.metric.code == VISITS_METRIC_CODE:
                # The visit plan starts from the visits target beside it, not from 0.
                initial["planned_visit_count"] = min(value, MAX_PLANNED_VISITS)
    return initial


def breakdown_layout(form, year: int, mismatches) -> dict:
    """The cascade as nested rows for the template, each cell with its mismatch if any."""
    wrong = {m.parent: m for m in mismatches}

    labels = {
        PeriodKind.YEAR: lambda d: str(d.year),
        PeriodKind.QUARTER: lambda d: f"Q{(d.month - 1) // 3 + 1}",
        PeriodKind.MONTH: lambda d: f"{d:%Y-%m}",
        PeriodKind.WEEK: lambda d: f"{d:%m/%d}",
    }

    def cell(kind, start):
        return {
            "field": form[cell_name(kind, start)],
            "start": start,
            "label": labels[kind](start),
            "mismatch": wrong.get((kind, start)),
        }

    quarters = []
    for q_start in periods.children(PeriodKind.YEAR, datetime.date(year, 1, 1))[1]:
        months = []
        for m_start in periods.children(PeriodKind.QUARTER, q_start)[1]:
            weeks = [
                cell(PeriodKind.WEEK, w) for w in periods.children(PeriodKind.MONTH, m_start)[1]
            ]
            months.append({**cell(PeriodKind.MONTH, m_start), "weeks": weeks})
        quarters.append({**cell(PeriodKind.QUARTER, q_start), "months": months})
    return {"year": cell(PeriodKind.YEAR, datetime.date(year, 1, 1)), "quarters": quarters}
