"""Plans and reviews: targets and their cascade, monthly goal sheets, weekly reviews.

Actual numbers are never stored here: they are read from the daily logs
(`planning.selectors.actuals`), so every figure on a plan page traces back to logs.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from config.limits import FREE_TEXT_MAX_LENGTH


class BranchPlanningSettings(models.Model):
    """Per-branch planning rules. A branch without a row uses the defaults below."""

    DEFAULT_WORKING_WEEKDAYS = "01234"  # Monday … Friday (date.weekday() numbers)
    DEFAULT_DEADLINE_WEEKDAY = 5  # Saturday
    DEFAULT_DEADLINE_TIME = datetime.time(12, 0)
    DEFAULT_CAP = Decimal("150")

    branch = models.OneToOneField(
        "accounts.Branch",
        verbose_name=_("branch"),
        on_delete=models.CASCADE,
        related_name="planning_settings",
    )
    working_weekdays = models.CharField(
        _("working days of the week"),
        max_length=7,
        default=DEFAULT_WORKING_WEEKDAYS,
        validators=[RegexValidator(r"^[0-6]{0,7}$", _("Use the digits 0 to 6 only."))],
        help_text=_("Digits 0 (Monday) to 6 (Sunday), e.g. 01234 for Monday to Friday."),
    )
    review_deadline_weekday = models.PositiveSmallIntegerField(
        _("weekly review due on (0 = Monday … 6 = Sunday)"), default=DEFAULT_DEADLINE_WEEKDAY
    )
    review_deadline_time = models.TimeField(
        _("weekly review due at"), default=DEFAULT_DEADLINE_TIME
    )
    completion_cap = models.DecimalField(
        _("completion cap (%)"),
        max_digits=6,
        decimal_places=1,
        default=DEFAULT_CAP,
        help_text=_("The most a single metric's completion counts in the weighted score."),
    )

    class Meta:
        verbose_name = _("branch planning settings")
        verbose_name_plural = _("branch planning settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(review_deadline_weekday__lte=6), name="deadline_weekday_0_6"
            ),
            models.CheckConstraint(condition=Q(completion_cap__gte=100), name="cap_gte_100"),
        ]

    def __str__(self) -> str:
        return str(self.branch)


class CalendarOverride(models.Model):
    """An admin's decision for one date in one branch, stronger than any calendar rule."""

    branch = models.ForeignKey(
        "accounts.Branch", verbose_name=_("branch"), on_delete=models.CASCADE, related_name="+"
    )
    date = models.DateField(_("date"))
    is_working_day = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")
        ordering = ["branch", "date"]
        constraints = [
            models.UniqueConstraint(fields=["branch", "date"], name="one_override_per_branch_day")
        ]

    def __str__(self) -> str:
        return f"{self.branch} {self.date}"


class PeriodKind(models.TextChoices):
    YEAR = "year", _("Year")
    QUARTER = "quarter", _("Quarter")
    MONTH = "month", _("Month")
    WEEK = "week", _("Week")


class Target(models.Model):
    """A number per metric, per subject (an AM or a region), per period.

    `period_start` is the first day of the period (a Monday for weeks).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account manager"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="targets",
    )
    region = models.ForeignKey(
        "accounts.Region",
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="targets",
    )
    metric = models.ForeignKey(
        "activity.Metric", verbose_name=_("metric"), on_delete=models.PROTECT, related_name="+"
    )
    period_kind = models.CharField(_("period"), max_length=8, choices=PeriodKind.choices)
    period_start = models.DateField(_("period start"))
    value = models.PositiveIntegerField(_("target"))
    # The first day the target covers, when not the whole period: the goal sheet of an
    # AM who joined on the 16th is agreed for her days, not pro rated again by them.
    covers_from = models.DateField(_("covers from"), null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            models.CheckConstraint(
                condition=(Q(user__isnull=False) & Q(region__isnull=True))
                | (Q(user__isnull=True) & Q(region__isnull=False)),
                name="target_has_one_subject",
            ),
            models.CheckConstraint(
                condition=Q(period_kind__in=PeriodKind.values), name="target_period_kind_valid"
            ),
            models.UniqueConstraint(
                fields=["user", "metric", "period_kind", "period_start"],
                condition=Q(user__isnull=False),
                name="one_target_per_user_metric_period",
            ),
            models.UniqueConstraint(
                fields=["region", "metric", "period_kind", "period_start"],
                condition=Q(region__isnull=False),
                name="one_target_per_region_metric_period",
            ),
        ]
        indexes = [models.Index(fields=["period_kind", "period_start"])]

    def __str__(self) -> str:
        # As the admin's title reads it: 白雪 (1098) 促成 月 2026-12-01.
        return f"{self.user or self.region} {self.metric} {self.get_period_kind_display()} {self.period_start}"


class TargetRevision(models.Model):
    """Every value a target has had, who set it and why (goals do not change silently)."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="revisions")
    old_value = models.PositiveIntegerField(_("old value"), null=True, blank=True)
    new_value = models.PositiveIntegerField(_("new value"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    # A reason Footwork wrote (an agreed goal sheet, a breakdown), to show it in the
    # reader's language: see activity.reminders.shown_text. Empty for a typed one.
    reason_source = models.JSONField(default=dict, db_default={}, blank=True, editable=False)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        verbose_name = _("target revision")
        verbose_name_plural = _("target revisions")
        ordering = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"{'—' if self.old_value is None else self.old_value} → {self.new_value}"

    def shown_reason(self) -> str:
        from activity.reminders import shown_text

        return shown_text(self.reason, self.reason_source)


class TargetImportStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to be imported")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Failed")


class TargetImport(models.Model):
    """A confirmed target import too large for a request, saved by the worker
    (`planning.target_import.target_import_process`). The checked file is kept in
    default_storage at `file_path` until the worker has read it."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("confirmed at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    file_name = models.CharField(_("file name"), max_length=255)
    # One import per checked file: a second confirmation of it finds this row.
    file_path = models.CharField(max_length=255, unique=True)
    # The preview the admin confirmed (see `target_import_check`).
    fingerprint = models.CharField(max_length=64)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=TargetImportStatus.choices,
        default=TargetImportStatus.QUEUED,
    )
    total_cells = models.PositiveIntegerField(_("targets in the file"), default=0)
    saved_count = models.PositiveIntegerField(_("targets saved"), default=0)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    # The admin's UI language: the worker writes errors in it.
    language = models.CharField(max_length=16, blank=True)
    message = models.TextField(_("message"), blank=True)

    class Meta:
        verbose_name = _("target import")
        verbose_name_plural = _("target imports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.created_at:%Y-%m-%d %H:%M})"


class SheetStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    AGREED = "agreed", _("Agreed")


class MonthlyGoalSheet(models.Model):
    """每月目标设定表: the AM's proposal for the month, agreed (or adjusted) by the RM."""

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account manager"),
        on_delete=models.PROTECT,
        related_name="monthly_sheets",
    )
    region = models.ForeignKey(
        "accounts.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    status = models.CharField(
        _("status"), max_length=16, choices=SheetStatus.choices, default=SheetStatus.DRAFT
    )
    focus_items = models.TextField(
        _("focus items for the month"), blank=True, max_length=FREE_TEXT_MAX_LENGTH
    )
    manager_comment = models.TextField(
        _("regional manager's comment"), blank=True, max_length=FREE_TEXT_MAX_LENGTH
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agreed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    agreed_at = models.DateTimeField(_("agreed at"), null=True, blank=True)
    # The AM asks for an agreed sheet to be changed (the month turned out otherwise); the
    # RM reopens it or keeps it, which clears the request.
    change_request = models.TextField(
        _("change asked for"), blank=True, max_length=FREE_TEXT_MAX_LENGTH
    )
    change_requested_at = models.DateTimeField(_("change asked for at"), null=True, blank=True)

    # When it was last saved: a post from a page opened before another tab or phone
    # saved is shown back instead of silently replacing that save, as the log does.
    # db_default: a web process still on the release before it (during an upgrade, or
    # a rolling one over several machines) creates sheets without it.
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_default=Now())

    class Meta:
        verbose_name = _("monthly goal sheet")
        verbose_name_plural = _("monthly goal sheets")
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(fields=["author", "month"], name="one_sheet_per_am_per_month"),
            models.CheckConstraint(
                condition=Q(status__in=SheetStatus.values), name="monthly_sheet_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author} {self.month:%Y-%m}"

    @property
    def revision(self) -> int:
        """When it was last saved, in server milliseconds: its edit page posts it back."""
        return int(self.updated_at.timestamp() * 1000)


class MonthlyGoalLine(models.Model):
    sheet = models.ForeignKey(MonthlyGoalSheet, on_delete=models.CASCADE, related_name="lines")
    metric = models.ForeignKey(
        "activity.Metric", verbose_name=_("metric"), on_delete=models.PROTECT, related_name="+"
    )
    proposed = models.PositiveIntegerField(_("proposed by the account manager"))
    agreed = models.PositiveIntegerField(_("agreed"), null=True, blank=True)

    class Meta:
        verbose_name = _("goal line")
        verbose_name_plural = _("goal lines")
        constraints = [
            models.UniqueConstraint(fields=["sheet", "metric"], name="one_goal_line_per_metric")
        ]

    def __str__(self) -> str:
        return str(self.metric)


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    REVIEWED = "reviewed", _("Reviewed")


class WeeklyReview(models.Model):
    """每周检讨及拜访计划表: this week's review and next week's plan."""

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account manager"),
        on_delete=models.PROTECT,
        related_name="weekly_reviews",
    )
    region = models.ForeignKey(
        "accounts.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    week_start = models.DateField(_("week (Monday)"))
    status = models.CharField(
        _("status"), max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT
    )
    situation_analysis = models.TextField(
        _("situation analysis"), blank=True, max_length=FREE_TEXT_MAX_LENGTH
    )
    planned_visit_count = models.PositiveSmallIntegerField(
        _("visits planned for next week"), default=0
    )
    desk_work_plan = models.TextField(
        _("desk work next week (proposals, plan documents, study)"),
        blank=True,
        max_length=FREE_TEXT_MAX_LENGTH,
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    is_late = models.BooleanField(_("late"), default=False)
    coaching_note = models.TextField(
        _("coaching note"), blank=True, max_length=FREE_TEXT_MAX_LENGTH
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    # When it was last saved: a post from a page opened before another tab or phone
    # saved is shown back instead of silently replacing that save, as the log does.
    # db_default: a web process still on the release before it (during an upgrade, or
    # a rolling one over several machines) creates sheets without it.
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_default=Now())

    class Meta:
        verbose_name = _("weekly review")
        verbose_name_plural = _("weekly reviews")
        ordering = ["-week_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "week_start"], name="one_review_per_am_per_week"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReviewStatus.values), name="weekly_review_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=ReviewStatus.REVIEWED) | Q(reviewed_by__isnull=False),
                name="reviewed_sheet_has_reviewer",
            ),
        ]
        indexes = [
            models.Index(fields=["region", "week_start"]),
            # Newest first across every region (the admin's review list): 2,000 people
            # file 100,000 reviews a year, and each page sorted them all.
            models.Index(fields=["week_start"], name="weeklyreview_week_start_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.author} {self.week_start}"

    @property
    def is_editable_by_author(self) -> bool:
        return self.status == ReviewStatus.DRAFT

    @property
    def revision(self) -> int:
        """When it was last saved, in server milliseconds: its edit page posts it back."""
        return int(self.updated_at.timestamp() * 1000)


class WeeklyReviewLine(models.Model):
    """Per metric: why the week fell short and what to do (原因分析 / 对策), next week's target."""

    review = models.ForeignKey(WeeklyReview, on_delete=models.CASCADE, related_name="lines")
    metric = models.ForeignKey(
        "activity.Metric", verbose_name=_("metric"), on_delete=models.PROTECT, related_name="+"
    )
    cause = models.TextField(_("cause"), blank=True, max_length=FREE_TEXT_MAX_LENGTH)
    countermeasure = models.TextField(
        _("countermeasure"), blank=True, max_length=FREE_TEXT_MAX_LENGTH
    )
    next_week_target = models.PositiveIntegerField(_("next week's target"), null=True, blank=True)
    # What the AM saw when submitting; the pages show live numbers from the logs and
    # point out when a log changed afterwards.
    target_at_submit = models.PositiveIntegerField(
        _("target when submitted"), null=True, blank=True
    )
    actual_at_submit = models.PositiveIntegerField(
        _("actual when submitted"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("review line")
        verbose_name_plural = _("review lines")
        constraints = [
            models.UniqueConstraint(fields=["review", "metric"], name="one_review_line_per_metric")
        ]

    def __str__(self) -> str:
        return str(self.metric)


class PlannedVisit(models.Model):
    """A customer or organisation the AM plans to visit in the week after the review."""

    review = models.ForeignKey(
        WeeklyReview, on_delete=models.CASCADE, related_name="planned_visits"
    )
    prospect = models.ForeignKey(
        "activity.Prospect",
        verbose_name=_("prospect"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    customer = models.CharField(_("customer or organisation"), max_length=100)

    class Meta:
        verbose_name = _("planned visit")
        verbose_name_plural = _("planned visits")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.customer


class ItemStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("tracked item status", "Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class TrackedItem(models.Model):
    """交办事项 (handed down by a manager) or 重点事项 (a key item, possibly self-assigned)."""

    CLOSED = (ItemStatus.DONE, ItemStatus.CANCELLED)

    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        on_delete=models.PROTECT,
        related_name="tracked_items",
    )
    assigner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned by"),
        on_delete=models.PROTECT,
        related_name="assigned_items",
    )
    is_key = models.BooleanField(_("key item"), default=False)
    title = models.CharField(_("title"), max_length=200)
    details = models.TextField(_("details"), blank=True, max_length=FREE_TEXT_MAX_LENGTH)
    due_date = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=16, choices=ItemStatus.choices, default=ItemStatus.OPEN
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("tracked item")
        verbose_name_plural = _("tracked items")
        ordering = ["due_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ItemStatus.values), name="tracked_item_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["assignee", "status", "due_date"])]

    def __str__(self) -> str:
        return self.title

    def is_overdue(self, today: datetime.date) -> bool:
        return self.status not in self.CLOSED and self.due_date < today


class TrackedItemNote(models.Model):
    """History of an item: follow-up notes and status changes."""

    item = models.ForeignKey(TrackedItem, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True, max_length=FREE_TEXT_MAX_LENGTH)
    from_status = models.CharField(
        _("from status"), max_length=16, choices=ItemStatus.choices, blank=True
    )
    to_status = models.CharField(
        _("to status"), max_length=16, choices=ItemStatus.choices, blank=True
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("follow-up note")
        verbose_name_plural = _("follow-up notes")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.item_id} {self.created_at:%Y-%m-%d}"
