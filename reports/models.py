"""Weekly roll-ups (各区域工作量周总结) stored per region × week, with one row per metric.

A snapshot is recomputed and replaced as a whole, never incremented. It keeps the
region each person belonged to at the time (logs carry their day's region).
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RegionWeekSnapshot(models.Model):
    branch = models.ForeignKey("accounts.Branch", on_delete=models.CASCADE, related_name="+")
    region = models.ForeignKey("accounts.Region", on_delete=models.CASCADE, related_name="+")
    week_start = models.DateField(_("week (Monday)"))
    headcount = models.DecimalField(_("headcount"), max_digits=8, decimal_places=2)
    expected_logs = models.PositiveIntegerField(default=0)
    submitted_logs = models.PositiveIntegerField(default=0)
    on_time_logs = models.PositiveIntegerField(default=0)
    signed_on_time_logs = models.PositiveIntegerField(default=0)
    # The branch's completion cap when summarised (empty in older snapshots: today's).
    cap = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    # Account managers in the region that week, and those its targets covered (empty:
    # all of them, or a snapshot older than the count), to say "target covers 2/10".
    # db_default: a worker still on the code before it inserts snapshots without it.
    people = models.PositiveIntegerField(default=0, db_default=0)
    target_people = models.PositiveIntegerField(null=True, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)
    # When a log of the week last left the region (its author moved, the move entered
    # late): the region's own logs show no change then, but its numbers are out of date.
    logs_left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("weekly region snapshot")
        verbose_name_plural = _("weekly region snapshots")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "week_start"], name="one_snapshot_per_region_week"
            )
        ]
        indexes = [models.Index(fields=["branch", "week_start"])]

    def __str__(self) -> str:
        return f"{self.region_id} {self.week_start}"


class MetricWeekSnapshot(models.Model):
    snapshot = models.ForeignKey(
        RegionWeekSnapshot, on_delete=models.CASCADE, related_name="metrics"
    )
    metric = models.ForeignKey("activity.Metric", on_delete=models.CASCADE, related_name="+")
    target = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    actual = models.PositiveIntegerField(default=0)
    # The metric's weight when summarised (empty in older snapshots: today's), so a
    # weight changed since does not rewrite a closed week's task completion.
    weight = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    # What the people the target covered did (empty: the actual, or an older snapshot).
    covered_actual = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("metric week snapshot")
        verbose_name_plural = _("metric week snapshots")
        constraints = [
            models.UniqueConstraint(
                fields=["snapshot", "metric"], name="one_metric_row_per_snapshot"
            )
        ]

    def __str__(self) -> str:
        return f"{self.snapshot_id} {self.metric_id}"


class RollupTrigger(models.TextChoices):
    SCHEDULE = "schedule", _("weekly schedule")
    STALE = "stale", _("logs changed after the roll-up")
    MANUAL = "manual", _("recomputed on request")
    CALENDAR = "calendar", _("working days changed after the roll-up")
    TARGETS = "targets", _("targets changed after the roll-up")
    STAFF = "staff", _("staff changed after the roll-up")


class RollupRun(models.Model):
    """Each roll-up of a branch-week: when, why, by whom, and whether numbers changed."""

    branch = models.ForeignKey(
        "accounts.Branch", verbose_name=_("branch"), on_delete=models.CASCADE, related_name="+"
    )
    week_start = models.DateField(_("week"))
    trigger = models.CharField(_("trigger"), max_length=16, choices=RollupTrigger.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    finished_at = models.DateTimeField(_("finished at"), default=timezone.now)
    regions = models.PositiveIntegerField(_("regions"), default=0)
    changed = models.BooleanField(_("numbers changed"), default=False)

    class Meta:
        verbose_name = _("roll-up run")
        verbose_name_plural = _("roll-up runs")
        ordering = ["-finished_at", "-pk"]
        indexes = [models.Index(fields=["branch", "week_start"])]

    def __str__(self) -> str:
        # The admin's title and its breadcrumb: the reason in the reader's language, not
        # its code ("schedule" stood in the Chinese admin).
        return f"{self.week_start:%Y-%m-%d} · {self.get_trigger_display()}"


class BranchReportSettings(models.Model):
    branch = models.OneToOneField(
        "accounts.Branch",
        verbose_name=_("branch"),
        on_delete=models.CASCADE,
        related_name="report_settings",
    )
    highlight_below = models.DecimalField(
        _("highlight rows whose weighted completion is below (%)"),
        max_digits=5,
        decimal_places=1,
        default=80,
        # QA saved -5: no row is ever below it, and the page says "below -5.0%".
        validators=[MinValueValidator(0)],
    )

    class Meta:
        verbose_name = _("report settings")
        verbose_name_plural = _("report settings")

    def __str__(self) -> str:
        return str(self.branch)
