"""Pages of reporting: projects, reports, assessments, the monitoring dashboard and exports.

Thin: objects come from the selectors (hidden = 404), rules from permissions.py, writes from services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from loi_portal.api.exceptions import Conflict
from loi_portal.downloads import pdf_attachment
from loi_portal.forms import add_service_errors as _apply_errors
from proposals.annexes import accepts_pdf_upload, too_large_message, upload_too_large

from . import charts, permissions, selectors, services
from .enums import ExportKind
from .forms import (
    ActivityForm,
    AssessmentForm,
    AttachmentForm,
    ExchangeRateForm,
    ExportForm,
    ProjectCreateForm,
    ProjectSensitivityForm,
    ReportTextForm,
    ResultForm,
)
from .models import ReportActivity, ReportAttachment, ReportResult

# -- projects ----------------------------------------------------------------------------------------


@login_required
def project_list(request):
    if not permissions.can_list_projects(request.user):
        raise PermissionDenied
    projects = selectors.projects_for_user(request.user)
    query = request.GET.get("q", "").strip()
    if query:
        projects = projects.filter(Q(acronym__icontains=query) | Q(title__icontains=query))
    page = Paginator(projects, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "reporting/project_list.html",
        {
            "page": page,
            "query": query,
            "awaiting": selectors.selectable_proposals_for_user(request.user)[:50],
        },
    )


@login_required
def project_create(request, proposal_pk):
    proposal = get_object_or_404(selectors.selectable_proposals_for_user(request.user), pk=proposal_pk)
    if not permissions.can_create_project(request.user, proposal):
        raise PermissionDenied
    form = ProjectCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            project = services.create_project(
                proposal,
                by=request.user,
                start_date=form.cleaned_data["start_date"],
                duration_months=form.cleaned_data["duration_months"],
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The project was created with its reporting periods."))
            return redirect("reporting:project", project.pk)
    return render(request, "reporting/project_form.html", {"form": form, "proposal": proposal})


@login_required
def project_detail(request, pk):
    project = get_object_or_404(selectors.projects_for_user(request.user), pk=pk)
    can_change = permissions.can_change_project(request.user, project)
    form = ProjectSensitivityForm(request.POST or None, initial={"sensitivity": project.sensitivity})
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.set_project_sensitivity(project, form.cleaned_data["sensitivity"], by=request.user)
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, _("The sensitivity of the project was changed."))
                return redirect("reporting:project", project.pk)
    return render(
        request,
        "reporting/project_detail.html",
        {
            "project": project,
            "reports": selectors.reports_for_user(request.user, project=project),
            "fundings": project.fundings.all(),
            "sensitivity_form": form if can_change else None,
        },
    )


# -- reports -----------------------------------------------------------------------------------------


def _report(request, pk):
    return get_object_or_404(selectors.reports_for_user(request.user), pk=pk)


@login_required
def report_detail(request, pk):
    report = _report(request, pk)
    show_assessments = permissions.can_view_assessments(request.user, report)
    return render(
        request,
        "reporting/report_detail.html",
        {
            "report": report,
            "results": report.results.all(),
            "activities": report.activities.all(),
            "attachments": report.attachments.filter(removed_at__isnull=True),
            "versions": report.versions.select_related("submitted_by"),
            "assessments": report.assessments.select_related("side", "assessed_by")
            if show_assessments
            else None,
            "joint": report.joint_assessments.first(),
            "can_edit": permissions.can_edit_report(request.user, report),
            "can_assess": permissions.can_assess_report(request.user, report),
        },
    )


@login_required
@accepts_pdf_upload
def report_edit(request, pk):
    report = _report(request, pk)
    if not permissions.can_edit_report(request.user, report):
        raise PermissionDenied
    text_form = ReportTextForm(instance=report, initial={"lock_version": report.lock_version}, prefix="text")
    result_form = ResultForm(prefix="result")
    activity_form = ActivityForm(prefix="activity")
    attachment_form = AttachmentForm(prefix="attachment")
    if request.method == "POST" and upload_too_large(request):
        # The upload was stopped at the size limit: nothing after the file was read.
        attachment_form = AttachmentForm(request.POST, prefix="attachment")
        attachment_form.is_valid()
        attachment_form.errors.pop("file", None)
        attachment_form.add_error("file", too_large_message())
    elif request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "text":
                text_form = ReportTextForm(request.POST, instance=report, prefix="text")
                # The instance is not saved by the form: the service writes under a lock.
                if text_form.is_valid():
                    data = text_form.cleaned_data
                    services.update_report(
                        report,
                        by=request.user,
                        lock_version=data["lock_version"],
                        summary=data["summary"],
                        deviations=data["deviations"],
                        next_steps=data["next_steps"],
                    )
                    messages.success(request, _("The report was saved."))
                    return redirect("reporting:report-edit", report.pk)
            elif action == "result":
                result_form = ResultForm(request.POST, prefix="result")
                if result_form.is_valid():
                    services.add_result(report, by=request.user, **result_form.cleaned_data)
                    messages.success(request, _("The result was added."))
                    return redirect("reporting:report-edit", report.pk)
            elif action == "activity":
                activity_form = ActivityForm(request.POST, prefix="activity")
                if activity_form.is_valid():
                    services.add_activity(report, by=request.user, **activity_form.cleaned_data)
                    messages.success(request, _("The activity was added."))
                    return redirect("reporting:report-edit", report.pk)
            elif action == "attachment":
                attachment_form = AttachmentForm(request.POST, request.FILES, prefix="attachment")
                if attachment_form.is_valid():
                    services.add_attachment(report, attachment_form.cleaned_data["file"], by=request.user)
                    messages.success(request, _("The attachment was added."))
                    return redirect("reporting:report-edit", report.pk)
        except ValidationError as exc:
            form = {"text": text_form, "result": result_form, "activity": activity_form}.get(
                action, attachment_form
            )
            _apply_errors(form, exc)
        except Conflict as exc:
            text_form.add_error(None, str(exc.detail))
    return render(
        request,
        "reporting/report_edit.html",
        {
            "report": report,
            "text_form": text_form,
            "result_form": result_form,
            "activity_form": activity_form,
            "attachment_form": attachment_form,
            "results": report.results.all(),
            "activities": report.activities.all(),
            "attachments": report.attachments.filter(removed_at__isnull=True),
        },
    )


@login_required
@require_POST
def report_item_remove(request, pk, item, item_pk):
    report = _report(request, pk)
    if not permissions.can_edit_report(request.user, report):
        raise PermissionDenied
    model, remove = {
        "result": (ReportResult, services.remove_result),
        "activity": (ReportActivity, services.remove_activity),
        "attachment": (ReportAttachment, services.remove_attachment),
    }.get(item, (None, None))
    if model is None:
        raise Http404
    obj = get_object_or_404(model, pk=item_pk, report=report)
    remove(obj, by=request.user)
    messages.success(request, _("Removed."))
    return redirect("reporting:report-edit", report.pk)


@login_required
def report_submit(request, pk):
    """A confirmation page: submitting freezes the report."""
    report = _report(request, pk)
    if not permissions.can_submit_report(request.user, report):
        raise PermissionDenied
    error = None
    if request.method == "POST":
        try:
            version = services.submit_report(report, by=request.user)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(
                request,
                _("The report was submitted as version %(version)s (SHA-256 %(sha)s).")
                % {"version": version.version, "sha": version.sha256},
            )
            return redirect("reporting:report", report.pk)
    return render(request, "reporting/report_submit.html", {"report": report, "error": error})


@login_required
def attachment_download(request, pk, attachment_pk):
    report = _report(request, pk)
    attachment = get_object_or_404(ReportAttachment, pk=attachment_pk, report=report)
    return pdf_attachment(attachment.file, attachment.original_name)


@login_required
def report_assess(request, pk):
    report = _report(request, pk)
    if not permissions.can_assess_report(request.user, report):
        raise PermissionDenied
    form = AssessmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.assess_report(report, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Your Side's assessment was recorded."))
            return redirect("reporting:report", report.pk)
    return render(request, "reporting/report_assess.html", {"report": report, "form": form})


# -- monitoring --------------------------------------------------------------------------------------


@login_required
def monitoring(request):
    if not permissions.can_view_monitoring(request.user):
        raise PermissionDenied
    ind = selectors.monitoring_indicators(audience="officers")
    rate_form = None
    if permissions.can_record_exchange_rate(request.user):
        rate_form = ExchangeRateForm(request.POST or None)
        if request.method == "POST" and rate_form.is_valid():
            services.record_exchange_rate(by=request.user, **rate_form.cleaned_data)
            messages.success(request, _("The reference exchange rate was recorded."))
            return redirect("reporting:monitoring")
    elif request.method == "POST":
        raise PermissionDenied
    return render(
        request,
        "reporting/monitoring.html",
        {"ind": ind, "charts": charts.monitoring_charts(ind), "rate_form": rate_form},
    )


# -- exports -----------------------------------------------------------------------------------------


def _allowed_kinds(user):
    return [kind for kind in ExportKind.values if permissions.can_start_export(user, kind)]


@login_required
def exports(request):
    allowed = _allowed_kinds(request.user)
    if not allowed:
        raise PermissionDenied
    form = ExportForm(request.POST or None, allowed_kinds=allowed, initial={"language": get_language()})
    if request.method == "POST" and form.is_valid():
        try:
            job = services.start_export(
                form.cleaned_data["kind"], by=request.user, language=form.cleaned_data["language"]
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            return redirect(f"{reverse('reporting:exports')}?job={job.pk}")
    jobs = selectors.export_jobs_for_user(request.user)[:20]
    return render(
        request, "reporting/exports.html", {"form": form, "jobs": jobs, "current": request.GET.get("job")}
    )


def job_status_payload(job) -> dict:
    return {
        "id": job.pk,
        "kind": job.kind,
        "language": job.language,
        "status": job.status,
        "status_label": job.get_status_display(),
        "progress": job.progress,
        "error": job.error,
        "download_url": reverse("reporting:export-download", args=[job.pk]) if job.file else None,
        "file_name": job.file_name,
    }


@login_required
@require_GET
def export_status(request, pk):
    job = get_object_or_404(selectors.export_jobs_for_user(request.user), pk=pk)
    return JsonResponse(job_status_payload(job))


@login_required
@require_GET
def export_download(request, pk):
    job = get_object_or_404(selectors.export_jobs_for_user(request.user), pk=pk)
    if not permissions.can_download_export(request.user, job):
        raise Http404
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=job.file_name or "export")
