"""Kinds and states of projects, reports, assessments and exports."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportKind(models.TextChoices):
    PERIODIC = "periodic", _("Periodic report")
    FINAL = "final", _("Final report")


class ReportState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    ASSESSED = "assessed", _("Jointly assessed")


REPORT_TRANSITIONS: dict[str, set[str]] = {
    ReportState.DRAFT: {ReportState.SUBMITTED},
    ReportState.SUBMITTED: {ReportState.ASSESSED},
    ReportState.ASSESSED: set(),
}


class ResultKind(models.TextChoices):
    PUBLICATION = "publication", _("Publication")
    PATENT = "patent", _("Patent")
    OTHER_IP = "other_ip", _("Other intellectual property")
    DATASET = "dataset", _("Dataset")
    SOFTWARE = "software", _("Software")


IP_KINDS = {ResultKind.PATENT, ResultKind.OTHER_IP}


class ActivityKind(models.TextChoices):
    MEETING = "meeting", _("Joint meeting")
    EXCHANGE = "exchange", _("Researcher exchange")
    EVENT = "event", _("Joint event")


class ExchangeDirection(models.TextChoices):
    EU_TO_JP = "eu_to_jp", _("EU → Japan")
    JP_TO_EU = "jp_to_eu", _("Japan → EU")


class AssessmentRating(models.TextChoices):
    ON_TRACK = "on_track", _("On track")
    MINOR_ISSUES = "minor_issues", _("Minor issues")
    MAJOR_ISSUES = "major_issues", _("Major issues")


# The joint assessment takes the more serious of the two Sides' ratings.
RATING_SEVERITY = {
    AssessmentRating.ON_TRACK: 0,
    AssessmentRating.MINOR_ISSUES: 1,
    AssessmentRating.MAJOR_ISSUES: 2,
}


class ExportKind(models.TextChoices):
    COUNCIL = "council", _("Report to the Digital Partnership Council (PDF)")
    JSTCC = "jstcc", _("Report to the Joint Committee, JSTCC (PDF)")
    CSV = "csv", _("Tables (CSV)")
    XLSX = "xlsx", _("Tables (Excel)")


PDF_KINDS = {ExportKind.COUNCIL, ExportKind.JSTCC}


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    FINISHED = "finished", _("Finished")
    FAILED = "failed", _("Failed")
