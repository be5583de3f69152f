"""Writes and transitions of reporting: projects, reports, assessments, exchange rates, export jobs.

``transition_report`` is the only code that writes ``PeriodicReport.state``; ``_set_job_status`` the only
code that writes ``ExportJob.status``."""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from loi_portal.enums import Sensitivity
from loi_portal.models import content_hash
from loi_portal.services import audit
from proposals.enums import ProposalState

from . import permissions
from .enums import (
    IP_KINDS,
    PDF_KINDS,
    RATING_SEVERITY,
    REPORT_TRANSITIONS,
    ActivityKind,
    ExportKind,
    ExportStatus,
    ReportKind,
    ReportState,
)
from .models import (
    Assessment,
    ExchangeRate,
    ExportJob,
    JointAssessment,
    PeriodicReport,
    Project,
    ProjectFunding,
    ReportActivity,
    ReportAttachment,
    ReportResult,
    ReportVersion,
)

logger = logging.getLogger(__name__)

DEFAULT_DURATION_MONTHS = 36
# Reports are due this many days after the end of their period, at noon UTC (evening in Tokyo,
# lunchtime in Brussels), so both Sides' coordinators have the same working day to finish.
REPORT_DUE_AFTER_DAYS = 60


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months, clamped to the end of a shorter month."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def reporting_periods(start: dt.date, end: dt.date, *, cycle_months: int, final_report: bool):
    """The (kind, start, end) of every report of a project running from ``start`` to ``end`` (exclusive).

    One periodic report per cycle; the last period ends with the project. With ``final_report`` the
    last report is the final report covering the whole project, otherwise the last period's report."""
    cycle_months = max(1, cycle_months)
    periods = []
    period_start = start
    while period_start < end:
        period_end = min(add_months(period_start, cycle_months), end)
        periods.append((ReportKind.PERIODIC, period_start, period_end - dt.timedelta(days=1)))
        period_start = period_end
    if final_report:
        periods.append((ReportKind.FINAL, start, end - dt.timedelta(days=1)))
    return periods


def _due_at(period_end: dt.date) -> dt.datetime:
    due_day = period_end + dt.timedelta(days=REPORT_DUE_AFTER_DAYS)
    return dt.datetime.combine(due_day, dt.time(12, 0), tzinfo=dt.UTC)


# -- exchange rates ----------------------------------------------------------------------------------


@transaction.atomic
def record_exchange_rate(*, rate_date: dt.date, jpy_per_eur, source: str = "", by) -> ExchangeRate:
    """Record (or correct) the reference rate of a day; combined figures name the rate they used."""
    if by is not None and not permissions.can_record_exchange_rate(by):
        raise ValidationError(_("Only a programme officer can record a reference exchange rate."))
    defaults = {"jpy_per_eur": jpy_per_eur, "recorded_by": by}
    if source:
        defaults["source"] = source
    rate, _created = ExchangeRate.objects.update_or_create(rate_date=rate_date, defaults=defaults)
    audit("exchange_rate.record", by=by, obj=rate, jpy_per_eur=str(jpy_per_eur), rate_date=str(rate_date))
    return rate


# -- projects ----------------------------------------------------------------------------------------


def funding_decisions_of(proposal) -> list[tuple]:
    """(partner, side, amount_minor) of every positive funding decision on ``proposal``.

    Each Side funds only its own participants (section II.1 of the letter); the decisions are made in
    the evaluation app."""
    from evaluation.models import FundingDecision

    decisions = FundingDecision.objects.filter(proposal=proposal).select_related("partner", "side")
    return [
        (decision.partner, decision.side, decision.amount_minor)
        for decision in decisions
        if decision.amount_minor > 0 and decision.partner.side_id == decision.side_id
    ]


@transaction.atomic
def create_project(
    proposal, *, by, start_date: dt.date, duration_months: int = DEFAULT_DURATION_MONTHS
) -> Project:
    """Turn a selected, funded proposal into a project with its funding and all its reporting periods.

    Locks the proposal so that two officers cannot create the same project twice; the funding of each
    partner is copied from its Side's funding decision, the periods from the plan version's cycle."""
    from proposals.models import Proposal

    locked = Proposal.objects.select_for_update().select_related("call__plan_version").get(pk=proposal.pk)
    if by is not None and not permissions.is_officer(by):
        raise ValidationError(_("Only a programme officer can create a project."))
    if locked.state != ProposalState.SELECTED:
        raise ValidationError(_("Only a selected proposal can become a project."))
    if Project.objects.filter(proposal=locked).exists():
        raise ValidationError(_("This proposal is already a project."))
    if not 1 <= duration_months <= 120:
        raise ValidationError({"duration_months": [_("The duration must be between 1 and 120 months.")]})
    decisions = funding_decisions_of(locked)
    funded_sides = {side.code for _partner, side, _amount in decisions}
    if funded_sides != {"EU", "JP"}:
        raise ValidationError(_("Both Sides must have decided to fund their participants first."))
    # The project runs until the day before the same date ``duration_months`` later (inclusive end).
    end_date = add_months(start_date, duration_months) - dt.timedelta(days=1)
    project = Project.objects.create(
        proposal=locked,
        acronym=locked.acronym,
        title=locked.title,
        start_date=start_date,
        end_date=end_date,
        duration_months=duration_months,
        created_by=by,
    )
    ProjectFunding.objects.bulk_create(
        ProjectFunding(project=project, partner=partner, side=side, amount_minor=amount)
        for partner, side, amount in decisions
    )
    plan = locked.call.plan_version
    periods = reporting_periods(
        start_date,
        end_date + dt.timedelta(days=1),
        cycle_months=plan.reporting_cycle_months,
        final_report=plan.final_report,
    )
    PeriodicReport.objects.bulk_create(
        PeriodicReport(
            project=project,
            number=number,
            kind=kind,
            period_start=period_start,
            period_end=period_end,
            due_at=_due_at(period_end),
        )
        for number, (kind, period_start, period_end) in enumerate(periods, start=1)
    )
    audit("project.create", by=by, obj=project, proposal=locked.number, reports=len(periods))
    return project


def council_permission_of(project: Project):
    """The written permission, recorded in the disclosure register, of one of the project's
    participants to disclose the project to the Digital Partnership Council; None when there is none."""
    from django.contrib.contenttypes.models import ContentType

    from loi_portal.governance_models import DisclosureAudience, DisclosurePermission

    from .selectors import COUNCIL

    return (
        DisclosurePermission.objects.filter(
            content_type=ContentType.objects.get_for_model(Project),
            object_id=project.pk,
            audience=DisclosureAudience.THIRD_PARTY,
            third_party__iexact=COUNCIL,
            provided_by__in=project.proposal.partners.values("organisation"),
        )
        .order_by("-permitted_on", "-pk")
        .first()
    )


@transaction.atomic
def set_project_sensitivity(project: Project, sensitivity: str, *, by) -> Project:
    """Say who may read the project's outcomes in exported reports (public = the Council report too).

    Making a project public discloses it to a third party, so under section III.1 of the letter it
    needs the written permission of a participant of the project, recorded in the disclosure
    register for the Digital Partnership Council; an officer of either Side alone cannot. Making a
    project less visible needs nothing."""
    if by is not None and not permissions.can_change_project(by, project):
        raise ValidationError(_("Only a programme officer can change the sensitivity of a project."))
    if sensitivity not in Sensitivity.values:
        raise ValidationError({"sensitivity": [_("Choose a valid sensitivity.")]})
    from .selectors import COUNCIL

    locked = Project.objects.select_for_update().select_related("proposal").get(pk=project.pk)
    previous = locked.sensitivity
    permission = None
    if sensitivity == Sensitivity.PUBLIC and previous != Sensitivity.PUBLIC:
        permission = council_permission_of(locked)
        if permission is None:
            raise ValidationError(
                {
                    "sensitivity": [
                        _(
                            "A project becomes public only with the written permission of one of its "
                            "participants. Record it first in the disclosure register (to the third "
                            "party “%(council)s”)."
                        )
                        % {"council": COUNCIL}
                    ]
                }
            )
    locked.sensitivity = sensitivity
    locked.save(update_fields=["sensitivity"])
    project.sensitivity = sensitivity
    audit(
        "project.sensitivity",
        by=by,
        obj=locked,
        old=previous,
        new=sensitivity,
        permission=permission.pk if permission else None,
    )
    return project


# -- reports -----------------------------------------------------------------------------------------


def _lock_draft(report: PeriodicReport, *, by, lock_version: int | None = None) -> PeriodicReport:
    locked = PeriodicReport.objects.select_for_update().select_related("project__proposal").get(pk=report.pk)
    if not permissions.can_edit_report(by, locked):
        raise ValidationError(_("Only the coordinators can change a draft report."))
    if lock_version is not None and lock_version != locked.lock_version:
        from loi_portal.api.exceptions import Conflict

        raise Conflict(
            _("Someone else changed this report meanwhile. Reload it and apply your change again.")
        )
    return locked


def _touch(report: PeriodicReport) -> None:
    report.lock_version += 1
    report.save(update_fields=["lock_version", "updated_at"])


@transaction.atomic
def update_report(report: PeriodicReport, *, by, lock_version: int | None = None, **fields) -> PeriodicReport:
    """Change the texts of a draft report (summary, deviations, next steps)."""
    locked = _lock_draft(report, by=by, lock_version=lock_version)
    allowed = {"summary", "deviations", "next_steps"}
    for name, value in fields.items():
        if name not in allowed:
            raise ValidationError({name: [_("This field cannot be changed here.")]})
        setattr(locked, name, value)
    locked.lock_version += 1
    locked.save(update_fields=[*fields, "lock_version", "updated_at"])
    audit("report.update", by=by, obj=locked, fields=sorted(fields))
    return locked


@transaction.atomic
def add_result(report: PeriodicReport, *, by, **fields) -> ReportResult:
    locked = _lock_draft(report, by=by)
    result = ReportResult(report=locked, **fields)
    if result.kind in IP_KINDS and not result.ip_rules.strip():
        raise ValidationError(
            {"ip_rules": [_("Name the IP rules of the funding programme that apply to this result.")]}
        )
    if result.kind not in IP_KINDS:
        result.ip_rules = ""
    result.full_clean(exclude=["report"])
    result.save()
    _touch(locked)
    audit("report.result.add", by=by, obj=locked, kind=result.kind)
    return result


@transaction.atomic
def remove_result(result: ReportResult, *, by) -> None:
    locked = _lock_draft(result.report, by=by)
    result.delete()
    _touch(locked)
    audit("report.result.remove", by=by, obj=locked)


@transaction.atomic
def add_activity(report: PeriodicReport, *, by, **fields) -> ReportActivity:
    locked = _lock_draft(report, by=by)
    activity = ReportActivity(report=locked, **fields)
    if activity.kind == ActivityKind.EXCHANGE:
        errors = {}
        if not activity.direction:
            errors["direction"] = [_("Say whether the researcher went from the EU to Japan or back.")]
        if activity.end_date is None:
            errors["end_date"] = [_("Give the end date so that the duration of the exchange is known.")]
        if errors:
            raise ValidationError(errors)
    else:
        activity.direction = ""
    activity.full_clean(exclude=["report"])
    activity.save()
    _touch(locked)
    audit("report.activity.add", by=by, obj=locked, kind=activity.kind)
    return activity


@transaction.atomic
def remove_activity(activity: ReportActivity, *, by) -> None:
    locked = _lock_draft(activity.report, by=by)
    activity.delete()
    _touch(locked)
    audit("report.activity.remove", by=by, obj=locked)


def add_attachment(report: PeriodicReport, uploaded, *, by) -> ReportAttachment:
    """Attach a PDF to a draft report after the checks every upload passes (proposals/annexes.py:
    by content, no active content, embedded files, encryption or compression bomb, within the size
    limit), stored under a generated name. On any refusal nothing is kept: no row, no file."""
    from proposals.annexes import checked_pdf, uploaded_name

    facts = checked_pdf(uploaded)
    stored_name = None
    try:
        with transaction.atomic():
            locked = _lock_draft(report, by=by)
            attachment = ReportAttachment(
                report=locked,
                original_name=uploaded_name(uploaded, "attachment.pdf"),
                size=facts.size,
                sha256=facts.sha256,
                uploaded_by=by,
            )
            uploaded.seek(0)
            attachment.file.save("attachment.pdf", File(uploaded), save=False)
            stored_name = attachment.file.name
            attachment.save()
            _touch(locked)
            audit("report.attachment.add", by=by, obj=locked, sha256=attachment.sha256)
    except BaseException:
        if stored_name:
            ReportAttachment.file.field.storage.delete(stored_name)
        raise
    return attachment


@transaction.atomic
def remove_attachment(attachment: ReportAttachment, *, by) -> None:
    """Hide an attachment of a draft; the file stays for the versions that froze it."""
    locked = _lock_draft(attachment.report, by=by)
    attachment.removed_at = timezone.now()
    attachment.save(update_fields=["removed_at"])
    _touch(locked)
    audit("report.attachment.remove", by=by, obj=locked, sha256=attachment.sha256)


@transaction.atomic
def transition_report(report: PeriodicReport, to: str, *, by) -> PeriodicReport:
    """The only code that writes ``PeriodicReport.state``: locks the row, checks the transition table
    and records the change."""
    locked = PeriodicReport.objects.select_for_update().get(pk=report.pk)
    if to not in REPORT_TRANSITIONS.get(locked.state, set()):
        raise ValidationError(
            _("A report in state “%(from)s” cannot become “%(to)s”.")
            % {"from": locked.get_state_display(), "to": ReportState(to).label}
        )
    previous = locked.state
    locked.state = to
    locked.save(update_fields=["state", "updated_at"])
    audit("report.state", by=by, obj=locked, old=previous, new=to)
    report.state = to
    return locked


def report_snapshot(report: PeriodicReport) -> dict:
    """The content of a report as frozen at submission (JSON-serialisable)."""
    project = report.project
    return {
        "project": {"id": project.pk, "acronym": project.acronym, "title": project.title},
        "report": {
            "number": report.number,
            "kind": report.kind,
            "period_start": report.period_start.isoformat(),
            "period_end": report.period_end.isoformat(),
            "summary": report.summary,
            "deviations": report.deviations,
            "next_steps": report.next_steps,
        },
        "results": [
            {
                "kind": r.kind,
                "title": r.title,
                "authors": r.authors,
                "reference": r.reference,
                "year": r.year,
                "co_authored": r.co_authored,
                "ip_rules": r.ip_rules,
                "description": r.description,
            }
            for r in report.results.order_by("kind", "pk")
        ],
        "activities": [
            {
                "kind": a.kind,
                "title": a.title,
                "start_date": a.start_date.isoformat(),
                "end_date": a.end_date.isoformat() if a.end_date else None,
                "duration_days": a.duration_days,
                "direction": a.direction,
                "researcher": a.researcher,
                "description": a.description,
            }
            for a in report.activities.order_by("start_date", "pk")
        ],
        "attachments": [
            {"name": a.original_name, "size": a.size, "sha256": a.sha256}
            for a in report.attachments.filter(removed_at__isnull=True).order_by("uploaded_at", "pk")
        ],
    }


@transaction.atomic
def submit_report(report: PeriodicReport, *, by) -> ReportVersion:
    """Freeze the report as an immutable version (snapshot + SHA-256) and mark it submitted."""
    locked = _lock_draft(report, by=by)
    if not (locked.summary.strip() or locked.results.exists() or locked.activities.exists()):
        raise ValidationError({"summary": [_("Write a summary of progress before submitting.")]})
    snapshot = report_snapshot(locked)
    locked.submitted_version += 1
    locked.save(update_fields=["submitted_version", "updated_at"])
    version = ReportVersion.objects.create(
        report=locked,
        version=locked.submitted_version,
        submitted_at=timezone.now(),
        submitted_by=by,
        snapshot=snapshot,
        sha256=content_hash(snapshot),
    )
    transition_report(locked, ReportState.SUBMITTED, by=by)
    report.state = ReportState.SUBMITTED
    report.submitted_version = locked.submitted_version
    audit("report.submit", by=by, obj=locked, version=version.version, sha256=version.sha256)
    return version


# -- assessments -------------------------------------------------------------------------------------


@transaction.atomic
def assess_report(report: PeriodicReport, *, by, rating: str, comments: str) -> Assessment:
    """Record the assessment of the assessor's Side; when both Sides have assessed the same version,
    record the joint assessment and mark the report jointly assessed. The report row is locked so two
    officers finishing at the same moment cannot both miss (or both record) the joint assessment."""
    locked = PeriodicReport.objects.select_for_update().get(pk=report.pk)
    if not permissions.can_assess_report(by, locked):
        raise ValidationError(_("Your Side cannot assess this report (already assessed, or not submitted)."))
    if not comments.strip():
        raise ValidationError({"comments": [_("Explain your assessment in a comment.")]})
    assessment = Assessment(
        report=locked,
        version=locked.submitted_version,
        side=by.side,
        rating=rating,
        comments=comments,
        assessed_by=by,
    )
    assessment.full_clean(exclude=["report", "side", "assessed_by"])
    assessment.save()
    audit("report.assess", by=by, obj=locked, version=locked.submitted_version, rating=rating)
    ratings = list(
        Assessment.objects.filter(report=locked, version=locked.submitted_version).values_list(
            "rating", flat=True
        )
    )
    if len(ratings) == 2:
        joint = max(ratings, key=lambda value: RATING_SEVERITY[value])
        JointAssessment.objects.create(report=locked, version=locked.submitted_version, rating=joint)
        transition_report(locked, ReportState.ASSESSED, by=by)
        report.state = ReportState.ASSESSED
    return assessment


# -- export jobs -------------------------------------------------------------------------------------


@transaction.atomic
def start_export(kind: str, *, by, language: str = "en") -> ExportJob:
    """Queue an export; the worker starts after the transaction commits."""
    if kind not in ExportKind.values:
        raise ValidationError({"kind": [_("Choose a valid kind of export.")]})
    if language not in ("en", "ja"):
        raise ValidationError({"language": [_("Choose English or Japanese.")]})
    if not permissions.can_start_export(by, kind):
        raise ValidationError({"kind": [_("You may not make this export.")]})
    job = ExportJob.objects.create(kind=kind, language=language, requested_by=by)
    audit("export.start", by=by, obj=job, kind=kind, language=language)
    transaction.on_commit(lambda: queue_export(job.pk))
    return job


# A job the broker never took is handed over again after this long (beat, every minute).
REQUEUE_AFTER = dt.timedelta(minutes=1)


def queue_export(job_id: int) -> bool:
    """Hand a job to a worker; False when the broker could not be reached. Never raises (it runs
    after the commit of a request): the job stays queued and ``requeue_waiting_exports`` hands it
    over once the broker is back."""
    from .tasks import run_export_task

    try:
        run_export_task.delay(job_id)
    except Exception:  # the broker is down or unreachable; the queued row is the durable record
        logger.warning("Could not queue export job %s; the periodic re-queue will.", job_id, exc_info=True)
        return False
    ExportJob.objects.filter(pk=job_id).update(enqueued_at=timezone.now())
    return True


def requeue_waiting_exports(*, now: dt.datetime | None = None, limit: int = 100) -> int:
    """Queue again the jobs whose message was lost: queued for over a minute and never taken by the
    broker (or taken longer ago than a task may run), or running on a claim older than the task time
    limit. A duplicate message is harmless (``run_export`` finishes a job once). Returns how many
    were handed over."""
    now = now or timezone.now()
    lost_after = now - dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    waiting = ExportJob.objects.filter(
        Q(status=ExportStatus.QUEUED, created_at__lt=now - REQUEUE_AFTER)
        & (Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=lost_after))
        | Q(status=ExportStatus.RUNNING, started_at__lt=lost_after)
        & (Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=lost_after))
    ).order_by("created_at", "pk")
    handed = 0
    for job_id in waiting.values_list("pk", flat=True)[:limit]:
        if not queue_export(job_id):
            break  # the broker is still away: the next run tries again
        handed += 1
    return handed


def _set_job_status(job: ExportJob, status: str, **fields) -> None:
    """The only writer of ``ExportJob.status``."""
    job.status = status
    for name, value in fields.items():
        setattr(job, name, value)
    job.save(update_fields=["status", *fields])


def _progress(job: ExportJob, value: int) -> None:
    ExportJob.objects.filter(pk=job.pk).update(progress=value)
    job.progress = value


EXTENSIONS = {
    ExportKind.COUNCIL: "pdf",
    ExportKind.JSTCC: "pdf",
    ExportKind.CSV: "csv",
    ExportKind.XLSX: "xlsx",
}


def build_export(kind: str, *, language: str, progress=None) -> bytes:
    """The bytes of an export: the same for the worker, the command line and the tests."""
    from . import exports

    return exports.build(kind, language=language, progress=progress)


def run_export(job_id: int, *, task_id: str = "") -> ExportJob | None:
    """Generate the file of a queued job; the job finishes once.

    The row is claimed under a lock by ``task_id``. A finished job is not redone. A running job is
    left alone when another task claimed it less than the task time limit ago (a duplicate message);
    the same task delivered again (its worker was killed mid-render, ``reject_on_worker_lost``) or a
    claim older than the time limit runs it again."""
    with transaction.atomic():
        job = ExportJob.objects.select_for_update(skip_locked=True).filter(pk=job_id).first()
        if job is None or job.status == ExportStatus.FINISHED:
            return job
        stale = timezone.now() - dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
        redelivered = bool(task_id) and task_id == job.task_id
        if (
            job.status == ExportStatus.RUNNING
            and job.started_at
            and job.started_at > stale
            and not redelivered
        ):
            return job  # another task is on it
        _set_job_status(
            job, ExportStatus.RUNNING, started_at=timezone.now(), progress=5, error="", task_id=task_id
        )
    try:
        data = build_export(job.kind, language=job.language, progress=lambda value: _progress(job, value))
    except Exception as exc:  # any failure is shown to the requester rather than lost in a log
        _set_job_status(job, ExportStatus.FAILED, error=str(exc)[:2000], finished_at=timezone.now())
        audit("export.fail", by=None, obj=job, error=str(exc)[:200])
        return job
    name = f"{job.kind}-report-{job.language}-{timezone.now():%Y%m%d-%H%M}.{EXTENSIONS[job.kind]}"
    if job.kind not in PDF_KINDS:
        name = f"loi-tables-{job.language}-{timezone.now():%Y%m%d-%H%M}.{EXTENSIONS[job.kind]}"
    with transaction.atomic():
        current = ExportJob.objects.select_for_update().get(pk=job.pk)
        if current.status == ExportStatus.FINISHED or current.task_id != job.task_id:
            return current  # a stale claim was taken over meanwhile: the other task finishes it
        job.file.save(name, ContentFile(data), save=False)
        _set_job_status(
            job,
            ExportStatus.FINISHED,
            file=job.file,
            file_name=name,
            sha256=hashlib.sha256(data).hexdigest(),
            progress=100,
            finished_at=timezone.now(),
        )
    audit("export.finish", by=None, obj=job, sha256=job.sha256)
    return job
