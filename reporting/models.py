"""Projects, reporting periods and periodic reports, assessments, exchange rates and export jobs."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from loi_portal.enums import Language, Sensitivity
from loi_portal.models import Side
from proposals.models import Partner, Proposal

from .enums import (
    ActivityKind,
    AssessmentRating,
    ExchangeDirection,
    ExportKind,
    ExportStatus,
    ReportKind,
    ReportState,
    ResultKind,
)


class ExchangeRate(models.Model):
    """A reference rate recorded by an officer; every combined EUR+JPY figure names the one it used."""

    rate_date = models.DateField(_("date of the rate"), unique=True)
    jpy_per_eur = models.DecimalField(
        _("JPY per EUR"), max_digits=10, decimal_places=4, validators=[MinValueValidator(0.0001)]
    )
    source = models.CharField(_("source"), max_length=200, default="ECB euro foreign exchange reference rate")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-rate_date"]
        verbose_name = _("reference exchange rate")
        verbose_name_plural = _("reference exchange rates")
        constraints = [models.CheckConstraint(condition=models.Q(jpy_per_eur__gt=0), name="rate_positive")]

    def __str__(self) -> str:
        return f"1 EUR = {self.jpy_per_eur} JPY ({self.rate_date})"


class Project(models.Model):
    """A selected and funded proposal, run jointly by partners of both Sides."""

    proposal = models.OneToOneField(
        Proposal, on_delete=models.PROTECT, related_name="project", verbose_name=_("proposal")
    )
    acronym = models.CharField(_("acronym"), max_length=40)
    title = models.CharField(_("title"), max_length=300)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    duration_months = models.PositiveSmallIntegerField(
        _("duration (months)"), validators=[MinValueValidator(1), MaxValueValidator(120)]
    )
    # Who may read the project's outcomes in exported reports (the disclosure rules of section III.1).
    sensitivity = models.CharField(
        _("sensitivity"), max_length=12, choices=Sensitivity.choices, default=Sensitivity.JOINT
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["start_date", "acronym"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gt=models.F("start_date")), name="project_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.acronym} – {self.title}"


class ProjectFunding(models.Model):
    """What one Side funds one partner of a project, in that Side's minor unit (from its funding decision)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="fundings")
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="+")
    side = models.ForeignKey(Side, on_delete=models.PROTECT, related_name="+")
    amount_minor = models.BigIntegerField(_("amount"), validators=[MinValueValidator(0)])

    class Meta:
        ordering = ["project", "side__code", "partner__order"]
        verbose_name = _("project funding")
        verbose_name_plural = _("project funding")
        constraints = [
            models.UniqueConstraint(fields=["project", "partner"], name="project_funding_once_per_partner"),
            models.CheckConstraint(
                condition=models.Q(amount_minor__gte=0), name="project_funding_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project.acronym}: {self.partner} {self.amount_minor} {self.side.currency}"


class PeriodicReport(models.Model):
    """The report of one reporting period, co-authored by the coordinators of both Sides."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="reports")
    number = models.PositiveSmallIntegerField(_("number"))
    kind = models.CharField(_("kind"), max_length=10, choices=ReportKind.choices, default=ReportKind.PERIODIC)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    due_at = models.DateTimeField(_("due"), db_index=True)
    state = models.CharField(
        _("state"), max_length=12, choices=ReportState.choices, default=ReportState.DRAFT
    )
    summary = models.TextField(_("summary of progress"), blank=True)
    deviations = models.TextField(_("deviations from the plan"), blank=True)
    next_steps = models.TextField(_("next steps"), blank=True)
    lock_version = models.PositiveIntegerField(default=0)
    submitted_version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["project", "number"]
        verbose_name = _("periodic report")
        verbose_name_plural = _("periodic reports")
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="report_number_unique"),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")), name="report_period_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project.acronym} #{self.number} ({self.period_start}–{self.period_end})"


class ReportResult(models.Model):
    """A collaborative result: a publication, a patent or other IP, a dataset or software."""

    report = models.ForeignKey(PeriodicReport, on_delete=models.CASCADE, related_name="results")
    kind = models.CharField(_("kind"), max_length=12, choices=ResultKind.choices)
    title = models.CharField(_("title"), max_length=500)
    authors = models.CharField(_("authors or owners"), max_length=1000, blank=True)
    reference = models.CharField(_("reference (DOI, patent number, URL)"), max_length=500, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    co_authored = models.BooleanField(
        _("co-authored by both Sides"),
        default=False,
        help_text=_("Authors from both EU and Japanese partners."),
    )
    ip_rules = models.TextField(
        _("IP rules of the funding programme"),
        blank=True,
        help_text=_("For patents and other IP: the funding programme's IP provisions that apply."),
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["report", "kind", "pk"]
        verbose_name = _("collaborative result")
        verbose_name_plural = _("collaborative results")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"


class ReportActivity(models.Model):
    """A collaborative activity: a joint meeting, a researcher exchange or a joint event."""

    report = models.ForeignKey(PeriodicReport, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(_("kind"), max_length=10, choices=ActivityKind.choices)
    title = models.CharField(_("title"), max_length=300)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    direction = models.CharField(_("direction"), max_length=10, choices=ExchangeDirection.choices, blank=True)
    researcher = models.CharField(_("researcher"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["report", "start_date", "pk"]
        verbose_name = _("collaborative activity")
        verbose_name_plural = _("collaborative activities")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="exchange") | ~models.Q(direction=""),
                name="exchange_has_direction",
                violation_error_message=_("Say whether the researcher went from the EU to Japan or back."),
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="activity_dates_ordered",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"

    @property
    def duration_days(self) -> int | None:
        if self.end_date is None:
            return None
        return (self.end_date - self.start_date).days + 1


def attachment_upload_to(instance: "ReportAttachment", filename: str) -> str:
    return f"reports/{instance.report_id}/{uuid.uuid4().hex}.pdf"


class ReportAttachment(models.Model):
    """A PDF attached to a report; never changed once stored, hidden rather than deleted."""

    report = models.ForeignKey(PeriodicReport, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_upload_to, max_length=255)
    original_name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["uploaded_at"]
        verbose_name = _("report attachment")
        verbose_name_plural = _("report attachments")

    def __str__(self) -> str:
        return self.original_name


class ReportVersion(models.Model):
    """An immutable snapshot of a report at its submission, with the SHA-256 of its content."""

    report = models.ForeignKey(PeriodicReport, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField()
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    snapshot = models.JSONField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["report", "-version"]
        verbose_name = _("submitted report version")
        verbose_name_plural = _("submitted report versions")
        constraints = [models.UniqueConstraint(fields=["report", "version"], name="report_version_unique")]

    def __str__(self) -> str:
        return f"{self.report} v{self.version}"


class Assessment(models.Model):
    """One Side's assessment of one submitted version of a report."""

    report = models.ForeignKey(PeriodicReport, on_delete=models.CASCADE, related_name="assessments")
    version = models.PositiveIntegerField()
    side = models.ForeignKey(Side, on_delete=models.PROTECT, related_name="+")
    rating = models.CharField(_("rating"), max_length=14, choices=AssessmentRating.choices)
    comments = models.TextField(_("comments"))
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assessed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["report", "side__code"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        constraints = [
            models.UniqueConstraint(fields=["report", "version", "side"], name="assessment_once_per_side")
        ]

    def __str__(self) -> str:
        return f"{self.side.code} assessment of {self.report}: {self.rating}"


class JointAssessment(models.Model):
    """Recorded when both Sides have assessed the same version: the more serious of their ratings."""

    report = models.ForeignKey(PeriodicReport, on_delete=models.CASCADE, related_name="joint_assessments")
    version = models.PositiveIntegerField()
    rating = models.CharField(_("joint rating"), max_length=14, choices=AssessmentRating.choices)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["report", "-version"]
        verbose_name = _("joint assessment")
        verbose_name_plural = _("joint assessments")
        constraints = [models.UniqueConstraint(fields=["report", "version"], name="joint_assessment_once")]

    def __str__(self) -> str:
        return f"Joint assessment of {self.report}: {self.rating}"


def export_upload_to(instance: "ExportJob", filename: str) -> str:
    return f"exports/{instance.pk or 'new'}/{uuid.uuid4().hex}-{filename}"


class ExportJob(models.Model):
    """A report or table export made by a worker; the file is kept with who asked for it and when."""

    kind = models.CharField(_("kind"), max_length=10, choices=ExportKind.choices)
    language = models.CharField(_("language"), max_length=5, choices=Language.choices, default=Language.EN)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(
        _("progress"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    file = models.FileField(upload_to=export_upload_to, max_length=255, blank=True)
    file_name = models.CharField(max_length=120, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The Celery task that claimed the job: its redelivery after a lost worker runs the job again,
    # any other task leaves a running job alone.
    task_id = models.CharField(max_length=255, blank=True)
    # When the broker took the job's message; empty while the broker could not be reached.
    enqueued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("export job")
        verbose_name_plural = _("export jobs")
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="export_progress_at_most_100")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.language}) #{self.pk}"
