"""The org tree (branch → optional area → region → account managers) and staff.

Positions carry the scope: a region's `manager`, an area's `manager` and a branch's
`head` decide what a person may see (see `accounts.selectors`). `User.role` says what
the person mainly does and where the home page sends them.
"""

import datetime

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from config.collation import by_pinyin


class Role(models.TextChoices):
    ACCOUNT_MANAGER = "am", _("Account manager")
    REGIONAL_MANAGER = "rm", _("Regional manager")
    AREA_MANAGER = "area_manager", _("Area manager")
    BRANCH_HEAD = "branch_head", _("Branch head")
    ADMIN = "admin", _("Administrator")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, employee_no: str, password: str | None = None, **fields) -> "User":
        if not employee_no:
            raise ValueError("An employee number is required")
        user = self.model(employee_no=employee_no, **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, employee_no: str, password: str | None = None, **fields) -> "User":
        fields.update(is_staff=True, is_superuser=True, role=Role.ADMIN)
        fields.setdefault("name", employee_no)
        return self.create_user(employee_no, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    employee_no = models.CharField(_("employee number"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=64)
    mobile = models.CharField(_("mobile"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)
    role = models.CharField(
        _("role"), max_length=20, choices=Role.choices, default=Role.ACCOUNT_MANAGER
    )
    hire_date = models.DateField(_("hire date"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("staff status"),
        default=False,
        help_text=_("May log in to the configuration site (/admin/)."),
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    # Someone else chose the password (an import's initial password, an admin's reset),
    # so it is shared or known: `config.middleware.PasswordChangeRequiredMiddleware`
    # keeps the owner on the password page until they pick their own.
    must_change_password = models.BooleanField(
        _("must change password"),
        default=False,
        help_text=_(
            "Set when an administrator chose the password; the person is asked to change it "
            "at the next login."
        ),
    )
    # The interface language the person last picked with the switch ("" for the site's
    # default): brought to each browser they log in on, and the language of their e-mails.
    language = models.CharField(
        _("interface language"), max_length=16, blank=True, default="", db_default=""
    )

    objects = UserManager()

    USERNAME_FIELD = "employee_no"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        ordering = ["employee_no"]
        constraints = [
            models.UniqueConstraint(
                fields=["email"], condition=~Q(email=""), name="user_email_unique_when_set"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.employee_no})"

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name


class Branch(models.Model):
    name = models.CharField(pgettext_lazy("org unit", "name"), max_length=64, unique=True)
    head = models.ForeignKey(
        User,
        verbose_name=_("branch head"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="headed_branches",
    )

    class Meta:
        verbose_name = _("branch")
        verbose_name_plural = _("branches")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Area(models.Model):
    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="areas"
    )
    name = models.CharField(pgettext_lazy("org unit", "name"), max_length=64)
    manager = models.ForeignKey(
        User,
        verbose_name=_("area manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_areas",
    )

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["branch__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["branch", "name"], name="area_name_unique_in_branch")
        ]

    def __str__(self) -> str:
        return self.name


class RegionQuerySet(models.QuerySet):
    def existing_by(self, day: datetime.date) -> "RegionQuerySet":
        """Regions created on or before `day` (as `Region.existed_by`, in the database)."""
        return self.filter(Q(created_on__isnull=True) | Q(created_on__lte=day))

    def open_during(self, start: datetime.date, end: datetime.date) -> "RegionQuerySet":
        """Regions open on some day of [start, end]: created by its end and not closed
        before its start (as `Region.open_during`, in the database). A closed region stays
        in the periods it worked in: its logs and snapshots are history."""
        return self.existing_by(end).filter(Q(closed_on__isnull=True) | Q(closed_on__gte=start))

    def open_on(self, day: datetime.date) -> "RegionQuerySet":
        return self.open_during(day, day)

    def by_name(self) -> "RegionQuerySet":
        """By branch, then region, in pinyin order (see config/collation.py)."""
        return self.order_by(by_pinyin("branch__name"), by_pinyin("name"))


class Region(models.Model):
    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="regions"
    )
    area = models.ForeignKey(
        Area,
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="regions",
    )
    name = models.CharField(pgettext_lazy("org unit", "name"), max_length=64)
    manager = models.ForeignKey(
        User,
        verbose_name=_("regional manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_regions",
        help_text=_("For a directly managed region (直属) this is the branch head."),
    )
    # Summaries of weeks before it do not list it. Empty for regions that were there
    # before this was recorded: they count as always there.
    created_on = models.DateField(
        _("created on"), null=True, blank=True, default=timezone.localdate, editable=False
    )
    # The mirror image: its last day. Periods after it do not list it; those it worked
    # in still do. Set through `accounts.services.region_close` (the admin), which
    # checks its people have left and ends its manager's post.
    closed_on = models.DateField(
        _("closed on"),
        null=True,
        blank=True,
        help_text=_(
            "The region's last working day (merged into another region, or shut). Move its "
            "account managers out first; closing ends its regional manager's post, and its "
            "logs still waiting are signed off by the next manager up. Summaries of later "
            "weeks do not list it; earlier ones keep it."
        ),
    )

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["branch__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["branch", "name"], name="region_name_unique_in_branch"),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True)
                | Q(created_on__isnull=True)
                | Q(closed_on__gte=models.F("created_on")),
                name="region_closed_after_created",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def existed_by(self, day: datetime.date) -> bool:
        """Created on or before `day`; regions from before creation dates were kept count
        as always there."""
        return self.created_on is None or self.created_on <= day

    def open_during(self, start: datetime.date, end: datetime.date) -> bool:
        """Open on some day of [start, end]: created by `end`, not closed before `start`."""
        return self.existed_by(end) and (self.closed_on is None or self.closed_on >= start)


class MembershipQuerySet(models.QuerySet):
    def on(self, day: datetime.date) -> "MembershipQuerySet":
        return self.filter(start_date__lte=day).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=day)
        )

    def overlapping(self, start: datetime.date, end: datetime.date) -> "MembershipQuerySet":
        return self.filter(start_date__lte=end).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=start)
        )


class RegionMembership(models.Model):
    """An account manager's membership of a region from start_date to end_date (inclusive).

    Logs record the region of the day they are for, so moving someone closes this
    row and opens a new one without rewriting history.
    """

    user = models.ForeignKey(
        User, verbose_name=_("staff member"), on_delete=models.CASCADE, related_name="memberships"
    )
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="memberships"
    )
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("region membership")
        verbose_name_plural = _("region memberships")
        ordering = ["user", "-start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(end_date__isnull=True),
                name="one_open_membership_per_user",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="membership_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["region", "start_date"])]

    def __str__(self) -> str:
        return f"{self.user} @ {self.region} {self.start_date}–{self.end_date or ''}"

    def covers(self, day: datetime.date) -> bool:
        """Whether `day` falls in this membership (as `MembershipQuerySet.on` reads it)."""
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)


class StaffImportStatus(models.TextChoices):
    QUEUED_CHECK = "queued_check", _("Waiting to be checked")
    CHECKING = "checking", _("Checking")
    INVALID = "invalid", _("Has errors")
    READY = "ready", _("Ready to import")
    # Checked, but another import was confirmed since: its preview no longer shows what
    # it would change, so it cannot be confirmed (upload the file again).
    STALE = "stale", _("Out of date")
    QUEUED_IMPORT = "queued_import", _("Waiting to be imported")
    IMPORTING = "importing", _("Importing")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class StaffImport(models.Model):
    """One uploaded staff sheet: its dry run, its confirmation and the import history.

    The uploaded file is kept only from upload to confirmation (and for the error
    report while the check found errors); `accounts.staff_import` deletes it when the
    import finishes and purges stale ones.
    """

    created_by = models.ForeignKey(
        User,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    confirmed_by = models.ForeignKey(
        User,
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # When its waiting step (a confirmed import) was queued for the worker: one still
    # waiting long after lost its queue message. A check waits from created_at.
    queued_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    file_name = models.CharField(_("file name"), max_length=255)
    file = models.FileField(_("file"), upload_to="imports/", blank=True)
    full_sync = models.BooleanField(_("deactivate staff missing from the file"), default=False)
    import_date = models.DateField(_("import date"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=StaffImportStatus.choices,
        default=StaffImportStatus.QUEUED_CHECK,
    )
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    new_count = models.PositiveIntegerField(_("new"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged"), default=0)
    deactivated_count = models.PositiveIntegerField(_("deactivated"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    notices = models.JSONField(_("notices"), default=list, blank=True)
    preview = models.JSONField(_("changes"), default=list, blank=True)
    # Branches, areas and regions the file creates (or puts into an area), for the preview.
    org_changes = models.JSONField(_("org changes"), default=dict, blank=True)
    # Hash of the initial password the admin chose for new staff (never the password itself).
    password_hash = models.CharField(max_length=128, blank=True)
    # The uploader's UI language: errors and the preview are written in it, even by the worker.
    language = models.CharField(max_length=16, blank=True)
    message = models.TextField(_("message"), blank=True)

    class Meta:
        verbose_name = _("staff import")
        verbose_name_plural = _("staff imports")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(processed_rows__lte=models.F("total_rows")),
                name="staff_import_progress_within_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.created_at:%Y-%m-%d %H:%M})"
