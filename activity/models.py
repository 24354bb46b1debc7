"""The daily work log (工作日志) and what hangs off it."""

import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from config.limits import FREE_TEXT_MAX_LENGTH


class Metric(models.Model):
    """An activity counted on the daily log (拜访, 折页, 留电话 …), configured by admins."""

    code = models.SlugField(
        _("code"),
        max_length=32,
        unique=True,
        help_text=_("Letters, digits, - and _ only, e.g. recruiting."),
    )
    name = models.CharField(_("name (Chinese)"), max_length=32)
    name_en = models.CharField(_("name (English)"), max_length=64, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    # "active" of a person is 在职 (employed); of a metric or a robot, 启用 (switched on).
    is_active = models.BooleanField(pgettext_lazy("switched on", "active"), default=True)
    weight = models.DecimalField(
        _("weight"),
        max_digits=5,
        decimal_places=2,
        default=1,
        help_text=_("Weight of this metric in the weighted completion score."),
    )
    daily_ceiling = models.PositiveIntegerField(
        _("confirm above"),
        null=True,
        blank=True,
        help_text=_(
            "A count above this on one day's log is to be confirmed before the log is handed "
            "in (a slip of the thumb: 1000 for 10). Nothing is refused. Blank: no ceiling."
        ),
    )

    class Meta:
        verbose_name = _("activity metric")
        verbose_name_plural = _("activity metrics")
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(weight__gte=0), name="metric_weight_gte_0")
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the current interface language."""
        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name


class LogStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    SIGNED_OFF = "signed_off", _("Signed off")
    RETURNED = "returned", _("Returned")


class DailyLogQuerySet(models.QuerySet):
    def waiting_for_sign_off(self) -> "DailyLogQuerySet":
        return self.filter(status=LogStatus.SUBMITTED)


class DailyLog(models.Model):
    """One account manager's work log for one day.

    `region` is the region the author belonged to on `date`, fixed when the log is
    created, so that moves between regions never rewrite history.
    """

    EDITABLE_BY_AUTHOR = (LogStatus.DRAFT, LogStatus.RETURNED)

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account manager"),
        on_delete=models.PROTECT,
        related_name="daily_logs",
    )
    region = models.ForeignKey(
        "accounts.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="logs"
    )
    date = models.DateField(_("date"))
    status = models.CharField(
        _("status"), max_length=16, choices=LogStatus.choices, default=LogStatus.DRAFT
    )

    needs_joint_visit = models.BooleanField(_("joint visit to close"), default=False)
    needs_from_manager = models.TextField(
        _("what I need from my regional manager"), blank=True, max_length=FREE_TEXT_MAX_LENGTH
    )
    support_training = models.BooleanField(_("training and coaching"), default=False)
    support_material = models.BooleanField(_("leaflets and promotional material"), default=False)
    support_notes = models.TextField(
        _("other support needed"), blank=True, max_length=FREE_TEXT_MAX_LENGTH
    )
    remarks = models.TextField(_("my remarks"), blank=True, max_length=FREE_TEXT_MAX_LENGTH)

    submitted_at = models.DateTimeField(_("first submitted"), null=True, blank=True)
    is_late = models.BooleanField(
        _("late"),
        default=False,
        help_text=_(
            "First submitted after the working day it is due: a rest day's log is due "
            "with the next working day's."
        ),
    )
    # Stored at the first hand-in so that a year's report needs no calendar nor time zone
    # per log (`activity.services.reached_rm_on`).
    handed_in_on = models.DateField(
        _("handed in on"),
        null=True,
        blank=True,
        help_text=_("The day it was first submitted, when after the day it is for."),
    )
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed off by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    signed_off_at = models.DateTimeField(_("signed off at"), null=True, blank=True)
    manager_comment = models.TextField(
        _("regional manager's comment"), blank=True, max_length=FREE_TEXT_MAX_LENGTH
    )
    return_reason = models.TextField(
        _("reason for return"), blank=True, max_length=FREE_TEXT_MAX_LENGTH
    )

    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = DailyLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("daily work log")
        verbose_name_plural = _("daily work logs")
        ordering = ["-date"]
        constraints = [
            models.UniqueConstraint(fields=["author", "date"], name="one_log_per_person_per_day"),
            models.CheckConstraint(
                condition=Q(status__in=LogStatus.values), name="dailylog_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=LogStatus.SIGNED_OFF) | Q(signed_off_by__isnull=False),
                name="signed_off_log_has_signer",
            ),
        ]
        indexes = [
            models.Index(fields=["region", "date"]),
            models.Index(fields=["status", "region", "date"]),
            # Newest first across every region (the admin's log list): without it a
            # page of 100 sorted the whole table, 0.7 s at a year of 2,000 people's logs.
            models.Index(fields=["date"], name="dailylog_date_idx"),
            # The few logs ever sent back (returned or reopened): the summary's 签批及时率
            # reads them apart from its scan of every log (reports.selectors).
            models.Index(
                fields=["region", "date"],
                condition=~Q(return_reason=""),
                name="dailylog_sent_back_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author} {self.date}"

    @property
    def asks_for_help(self) -> bool:
        """The AM asks the RM for something: a joint visit, training, material, a note."""
        return bool(
            self.needs_joint_visit
            or self.needs_from_manager.strip()
            or self.support_training
            or self.support_material
            or self.support_notes.strip()
        )

    @property
    def is_editable_by_author(self) -> bool:
        return self.status in self.EDITABLE_BY_AUTHOR

    @property
    def revision(self) -> int:
        """When it was last saved, in server milliseconds: the log page's draft copy in
        the browser compares it with the revision it was typed on (static/js/draft.js)."""
        return int(self.updated_at.timestamp() * 1000)


class MetricValue(models.Model):
    """The count of one metric on one log."""

    # No index of its own on log: the two below begin with it and serve its lookups.
    log = models.ForeignKey(
        DailyLog, on_delete=models.CASCADE, related_name="values", db_index=False
    )
    metric = models.ForeignKey(Metric, on_delete=models.PROTECT, related_name="values")
    value = models.PositiveIntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("metric value")
        verbose_name_plural = _("metric values")
        constraints = [
            models.UniqueConstraint(fields=["log", "metric"], name="one_value_per_metric_per_log")
        ]
        indexes = [
            # A region's counts of a metric over weeks (the region plan's trend, the
            # summary) are read log by log from this index alone. Without it PostgreSQL
            # read every value of the metric in the database (235,000 in a year of four
            # branches, 5 million at 2,000 AMs) to keep one region's: 140 ms, and growing
            # with every branch's data. With it: 18 ms.
            models.Index(fields=["log", "metric", "value"], name="metricvalue_log_metric_value")
        ]

    def __str__(self) -> str:
        return f"{self.metric_id}={self.value}"


class IntentStage(models.TextChoices):
    FIRST_CONTACT = "first_contact", _("First contact")
    INTERESTED = "interested", _("Interested")
    NEGOTIATING = "negotiating", _("Discussing a quote")
    READY_TO_CLOSE = "ready_to_close", _("Ready to close")
    WON = "won", _("Closed (policy sold)")
    NOT_INTERESTED = "not_interested", _("Not interested")


class SalesChannel(models.TextChoices):
    COLD_VISIT = "cold_visit", _("Cold visit")
    PHONE = "phone", _("Phone")
    REFERRAL = "referral", _("Referral")
    DEALERSHIP = "dealership", _("Car dealer / 4S shop")
    COMMUNITY = "community", _("Community or on-site event")
    RENEWAL = "renewal", _("Existing customer renewal")
    OTHER = "other", _("Other")


class SourceMarket(models.TextChoices):
    WARM = "warm", _("Warm market")
    REFERRAL = "referral", pgettext_lazy("prospect source", "Referral")
    TARGET = "target", _("Target market")


class Gender(models.TextChoices):
    MALE = "m", _("Male")
    FEMALE = "f", _("Female")


class Attitude(models.TextChoices):
    POSITIVE = "positive", _("Positive")
    NEUTRAL = "neutral", _("Neutral, waiting")
    RESISTANT = "resistant", _("Resistant")


class Prospect(models.Model):
    """A prospective customer (准主顾) on an account manager's list."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="prospects",
    )
    name = models.CharField(_("customer or organisation"), max_length=100)
    source = models.CharField(
        _("source market"), max_length=16, choices=SourceMarket.choices, blank=True
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    contact_age = models.PositiveSmallIntegerField(_("age"), null=True, blank=True)
    contact_position = models.CharField(_("position"), max_length=50, blank=True)
    contact_hobbies = models.CharField(_("hobbies"), max_length=200, blank=True)
    attitude = models.CharField(_("attitude"), max_length=16, choices=Attitude.choices, blank=True)
    stage = models.CharField(
        _("intent and progress"),
        max_length=16,
        choices=IntentStage.choices,
        default=IntentStage.FIRST_CONTACT,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("prospect")
        verbose_name_plural = _("prospects")
        ordering = ["name"]
        indexes = [models.Index(fields=["owner", "name"])]

    def __str__(self) -> str:
        return self.name

    @property
    def revision(self) -> int:
        """When it was last saved, in server milliseconds (0 before its first save), as
        a log's `revision`: its page posts the one it was opened on."""
        return int(self.updated_at.timestamp() * 1000) if self.pk else 0


class VisitRecord(models.Model):
    """One customer contact on a daily log (拜访记录)."""

    log = models.ForeignKey(DailyLog, on_delete=models.CASCADE, related_name="visits")
    prospect = models.ForeignKey(
        Prospect,
        verbose_name=_("prospect"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="visits",
    )
    customer = models.CharField(_("customer or organisation"), max_length=100)
    channel = models.CharField(
        _("sales channel"), max_length=16, choices=SalesChannel.choices, blank=True
    )
    marketing_activity = models.CharField(_("marketing activity"), max_length=100, blank=True)
    stage = models.CharField(
        _("intent and progress"), max_length=16, choices=IntentStage.choices, blank=True
    )
    needs = models.TextField(_("customer needs"), blank=True, max_length=FREE_TEXT_MAX_LENGTH)
    result = models.TextField(_("result"), blank=True, max_length=FREE_TEXT_MAX_LENGTH)
    next_step = models.CharField(_("next step"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("visit record")
        verbose_name_plural = _("visit records")
        ordering = ["log", "order", "pk"]

    def __str__(self) -> str:
        return self.customer


class LogEvent(models.Model):
    """Audit trail: every status change of a log, who made it, when and why."""

    class Action(models.TextChoices):
        SUBMITTED = "submitted", _("submitted")
        RESUBMITTED = "resubmitted", _("resubmitted")
        RETURNED = "returned", _("returned")
        SIGNED_OFF = "signed_off", _("signed off")
        REOPENED = "reopened", _("reopened")

    log = models.ForeignKey(DailyLog, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    from_status = models.CharField(_("from status"), max_length=16, choices=LogStatus.choices)
    to_status = models.CharField(_("to status"), max_length=16, choices=LogStatus.choices)
    comment = models.TextField(_("comment"), blank=True, max_length=FREE_TEXT_MAX_LENGTH)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("log event")
        verbose_name_plural = _("log events")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"


class NotificationKind(models.TextChoices):
    LOG_MISSING = "log_missing", _("Daily log not submitted")
    SIGN_OFF_PENDING = "sign_off_pending", _("Logs waiting for sign-off")
    ESCALATION = "escalation", _("Logs still not signed off")
    LOG_RETURNED = "log_returned", _("Log returned")
    LOG_SIGNED_OFF = "log_signed_off", _("Log signed off")
    ITEM_ASSIGNED = "item_assigned", _("Item handed down")
    ITEM_STATUS_CHANGED = "item_status_changed", _("Item status changed")
    WEEKLY_REVIEWED = "weekly_reviewed", _("Weekly review reviewed")
    ITEM_CHANGED = "item_changed", _("Item changed")
    MONTHLY_AGREED = "monthly_agreed", _("Monthly goal sheet agreed")
    HELP_REQUESTED = "help_requested", _("Joint visit or help asked for")
    MONTHLY_CHANGE_REQUESTED = "monthly_change_requested", _("Change of a goal sheet asked for")
    MONTHLY_REOPENED = "monthly_reopened", _("Goal sheet reopened or kept")
    REVIEW_REMINDER = "review_reminder", _("Weekly review not handed in")
    SHEET_REMINDER = "sheet_reminder", _("Goal sheet not handed in")
    ITEM_NOTE = "item_note", _("Note on an item")


class Notification(models.Model):
    """A message in someone's notification centre (the bell); also e-mailed when set up."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=24, choices=NotificationKind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    # The message and parameters of a title or body the app wrote (not one typed by a
    # person), to show it in the reader's language: see activity.reminders.shown_text.
    # A database default too: a web process still on the previous code (a rolling
    # deploy) keeps writing notifications.
    title_source = models.JSONField(default=dict, db_default={}, blank=True, editable=False)
    body_source = models.JSONField(default=dict, db_default={}, blank=True, editable=False)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.title

    def shown_title(self) -> str:
        from .reminders import shown_text

        return shown_text(self.title, self.title_source)

    def shown_body(self) -> str:
        from .reminders import shown_text

        return shown_text(self.body, self.body_source)


class ReminderSent(models.Model):
    """One row per reminder that went out: the unique key decides, not the queue.

    `key` names the addressee: "user:<id>" for a person, "region:<id>" for a
    region's group-robot webhook; or, for what an AM asks of their manager on a log
    (HELP_REQUESTED), "log:<id>:<part>": each part of the request is told once, and
    "log:<id>:to:<user id>" to whoever signs it once its signer changed (a move, an RM
    who left or was replaced).
    """

    kind = models.CharField(max_length=24, choices=NotificationKind.choices)
    day = models.DateField()
    key = models.CharField(max_length=40)
    notification = models.ForeignKey(
        Notification, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "day", "key"], name="one_reminder_per_key_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.day} {self.key}"


class ReminderRun(models.Model):
    """A branch's reminder of one kind finished for a day: the dispatcher skips it."""

    branch = models.ForeignKey("accounts.Branch", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=24, choices=NotificationKind.choices)
    day = models.DateField()
    sent = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("reminder run")
        verbose_name_plural = _("reminder runs")
        constraints = [
            models.UniqueConstraint(
                fields=["branch", "kind", "day"], name="one_reminder_run_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.branch_id} {self.kind} {self.day}"


class BranchReminderSettings(models.Model):
    branch = models.OneToOneField(
        "accounts.Branch",
        verbose_name=_("branch"),
        on_delete=models.CASCADE,
        related_name="reminder_settings",
    )
    enabled = models.BooleanField(_("send reminders"), default=True)
    missing_log_at = models.TimeField(
        _("remind account managers without a submitted log at"), default=datetime.time(18, 0)
    )
    sign_off_at = models.TimeField(
        _("remind regional managers of logs to sign off at"), default=datetime.time(20, 0)
    )
    escalate_at = models.TimeField(
        _("escalate yesterday's unsigned logs at"), default=datetime.time(9, 0)
    )

    class Meta:
        verbose_name = _("reminder settings")
        verbose_name_plural = _("reminder settings")

    def __str__(self) -> str:
        return str(self.branch)


class WebhookKind(models.TextChoices):
    WECOM = "wecom", _("WeCom group robot")
    DINGTALK = "dingtalk", _("DingTalk group robot")


class RegionWebhook(models.Model):
    """A region's chat group robot: reminders about the region are posted there too."""

    region = models.OneToOneField(
        "accounts.Region",
        verbose_name=_("region"),
        on_delete=models.CASCADE,
        related_name="webhook",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=WebhookKind.choices)
    url = models.URLField(
        _("webhook address"), max_length=500, validators=[URLValidator(schemes=["http", "https"])]
    )
    is_active = models.BooleanField(pgettext_lazy("switched on", "active"), default=True)

    class Meta:
        verbose_name = _("region chat robot")
        verbose_name_plural = _("region chat robots")

    # Where each kind's robots live. QA saved https://example.com/hook and
    # http://127.0.0.1:6379/ as a WeCom robot: every reminder about the region was then
    # posted there (a stranger's server, or a service inside ours), and a DingTalk
    # address saved as WeCom went unnoticed.
    HOSTS = {WebhookKind.WECOM: "qyapi.weixin.qq.com", WebhookKind.DINGTALK: "oapi.dingtalk.com"}

    def __str__(self) -> str:
        return f"{self.region} {self.get_kind_display()}"

    def clean(self):
        host = self.HOSTS.get(self.kind)
        if not host or not self.url:
            return
        parts = urlsplit(self.url)
        if parts.scheme != "https" or (parts.hostname or "").lower() != host:
            raise ValidationError(
                {
                    "url": _(
                        "A %(kind)s address starts with https://%(host)s/: copy it from the "
                        "robot's settings in the group chat."
                    )
                    % {"kind": self.get_kind_display(), "host": host}
                }
            )
