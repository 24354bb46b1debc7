import datetime

import pytest

from planning import periods
from planning.calendar import BranchRules

D = datetime.date


@pytest.mark.parametrize(
    ("total", "weights", "expected"),
    [
        (10, [1, 1, 1], [4, 3, 3]),
        (100, [22, 20, 23], [34, 31, 35]),
        (7, [0, 0], [4, 3]),
        (0, [5, 5], [0, 0]),
        (5, [3, 0, 2], [3, 0, 2]),
    ],
)
def test_split_sums_to_total_in_proportion(total, weights, expected):
    assert periods.split(total, weights) == expected
    assert sum(periods.split(total, weights)) == total


def test_weeks_belong_to_the_month_of_their_monday():
    kind, weeks = periods.children("month", D(2026, 6, 1))
    assert kind == "week"
    assert weeks == [D(2026, 6, 1), D(2026, 6, 8), D(2026, 6, 15), D(2026, 6, 22), D(2026, 6, 29)]
    # 2026 begins on a Thursday: its first week is the Monday 5 January.
    assert periods.children("month", D(2026, 1, 1))[1][0] == D(2026, 1, 5)


def _counter():
    rules = BranchRules()
    return lambda kind, start: rules.count(start, periods.period_end(kind, start))


def test_proposal_follows_working_days_and_reconciles():
    values = periods.propose(2026, 1000, _counter())
    assert periods.reconcile(2026, values) == []
    quarters = [values[("quarter", D(2026, m, 1))] for m in (1, 4, 7, 10)]
    assert sum(quarters) == 1000
    # Q3 (no long holiday) gets more than Q1 (Spring Festival) and Q4 (National Day).
    assert quarters[2] > quarters[0]
    assert quarters[2] > quarters[3]


def test_holiday_week_and_adjusted_saturday_week_get_their_share():
    values = periods.propose(2026, 2400, _counter())
    october = values[("month", D(2026, 10, 1))]
    weeks = {w: values[("week", w)] for w in periods.children("month", D(2026, 10, 1))[1]}
    assert sum(weeks.values()) == october
    # Week of 5 Oct: Thu, Fri and the adjusted Saturday (3 days); week of 12 Oct: 5 days.
    assert weeks[D(2026, 10, 5)] * 5 == pytest.approx(weeks[D(2026, 10, 12)] * 3, abs=5)
    # The week of 28 Sep (Mon–Wed only) belongs to September.
    assert ("week", D(2026, 9, 28)) in values
    assert D(2026, 9, 28) not in weeks


def test_reconcile_names_each_parent_that_does_not_add_up():
    values = periods.propose(2026, 1200, _counter())
    values[("month", D(2026, 2, 1))] += 7  # February no longer matches Q1, nor its weeks
    mismatches = {m.parent: m for m in periods.reconcile(2026, values)}
    assert set(mismatches) == {("quarter", D(2026, 1, 1)), ("month", D(2026, 2, 1))}
    assert mismatches[("quarter", D(2026, 1, 1))].difference == 7
    assert mismatches[("month", D(2026, 2, 1))].difference == -7


def test_empty_cells_count_as_zero():
    values = {("year", D(2026, 1, 1)): 10}
    assert periods.reconcile(2026, values)[0].children_sum == 0
    assert periods.reconcile(2026, {}) == []
