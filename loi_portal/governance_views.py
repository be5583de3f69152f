"""Pages of the letter's governance records and of the audit log. Thin: objects come from the
selectors (hidden means 404), writes go through ``loi_portal.governance``, every view or download of
confidential material is audited."""

import csv
import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from loi_portal.forms import add_service_errors as _apply_errors
from proposals.annexes import accepts_pdf_upload, too_large_message, upload_too_large

from . import governance, selectors
from .downloads import pdf_attachment
from .governance_forms import (
    AuditFilterForm,
    DisclosureForm,
    DiscontinuationDecisionForm,
    DiscontinuationNoticeForm,
    DivergenceForm,
    EscalationForm,
    PositionForm,
    ResolutionForm,
    SignatureReceiptForm,
)
from .governance_models import DivergenceState
from .permissions import (
    can_approve_discontinuation_decision,
    can_escalate_divergence,
    can_manage_governance,
    can_propose_discontinuation_decision,
    can_read_audit_log,
    can_resolve_divergence,
    can_write_divergence_position,
)
from .services import approvals_of, audit
from .spreadsheets import neutralise

BOTH = ("EU", "JP")


def _officer_only(user):
    if not can_manage_governance(user):
        # Governance records do not exist for anybody but programme officers.
        raise Http404


def _refuse_too_large(form) -> None:
    # The upload was stopped at the size limit, so the form has no file and maybe not all fields.
    form.is_valid()
    form.add_error("document", too_large_message())


def _download(request, obj, field_name: str, action: str):
    document = getattr(obj, field_name)
    if not document:
        raise Http404
    audit(action, by=request.user, obj=obj, sides=BOTH, file=document.name)
    # Stored under a generated name; the download is named after the record.
    return pdf_attachment(document, f"{obj._meta.model_name}-{obj.pk}.pdf")


# -- the LoI record ----------------------------------------------------------------------------------


@login_required
def letter(request):
    """The letter, its signatories and dates (a public record); officers record receipts."""
    record = selectors.letter_for_user(request.user)
    signatures = list(record.signatures.all()) if record else []
    return render(
        request,
        "loi_portal/governance/letter.html",
        {
            "letter": record,
            "signatures": signatures,
            "operational_on": record.operational_date(signatures) if record else None,
            "can_edit": can_manage_governance(request.user),
            "receipt_form": SignatureReceiptForm(),
            "notices": governance.notices_with_effective_dates()
            if can_manage_governance(request.user)
            else [],
        },
    )


@login_required
@require_POST
def signature_receipt(request, pk):
    _officer_only(request.user)
    record = selectors.letter_for_user(request.user)
    if record is None:
        raise Http404
    signature = get_object_or_404(record.signatures.all(), pk=pk)
    form = SignatureReceiptForm(request.POST)
    if form.is_valid():
        try:
            governance.record_notification_receipt(
                signature, received_on=form.cleaned_data["notification_received_on"], by=request.user
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The date of receipt has been recorded."))
    else:
        messages.error(request, _("Enter the date the notification was received."))
    return redirect("governance:letter")


# -- discontinuation ---------------------------------------------------------------------------------


@login_required
def discontinuation(request):
    _officer_only(request.user)
    notices = governance.notices_with_effective_dates()
    decisions = {n.pk: [] for n in notices}
    for decision in selectors.discontinuation_decisions_for_user(request.user).filter(notice__in=notices):
        decisions[decision.notice_id].append(decision)
    for notice in notices:
        notice.decision_list = decisions[notice.pk]
    return render(
        request,
        "loi_portal/governance/discontinuation.html",
        {"notices": notices, "new_calls_allowed": governance.new_calls_allowed()},
    )


@login_required
@accepts_pdf_upload
def notice_new(request):
    _officer_only(request.user)
    form = DiscontinuationNoticeForm(request.POST or None, request.FILES or None)
    if upload_too_large(request):
        _refuse_too_large(form)
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            notice = governance.give_discontinuation_notice(
                given_on=data["given_on"], text=data["text"], document=data.get("document"), by=request.user
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Your Side's notice of discontinuation has been recorded."))
            return redirect("governance:notice_detail", pk=notice.pk)
    return render(request, "loi_portal/governance/notice_form.html", {"form": form})


@login_required
def notice_detail(request, pk):
    _officer_only(request.user)
    notice = get_object_or_404(selectors.discontinuation_notices_for_user(request.user), pk=pk)
    audit("discontinuation.view", by=request.user, obj=notice, sides=BOTH)
    notice.effective_on = next(
        n.effective_on for n in governance.notices_with_effective_dates() if n.pk == pk
    )
    decisions = list(notice.decisions.all())
    for decision in decisions:
        decision.approvals = list(approvals_of(decision, "1"))
        decision.can_approve = can_approve_discontinuation_decision(request.user, decision)
    return render(
        request,
        "loi_portal/governance/notice_detail.html",
        {
            "notice": notice,
            "decisions": decisions,
            "can_propose": can_propose_discontinuation_decision(request.user, notice),
        },
    )


@login_required
def notice_document(request, pk):
    _officer_only(request.user)
    notice = get_object_or_404(selectors.discontinuation_notices_for_user(request.user), pk=pk)
    return _download(request, notice, "document", "discontinuation.download")


@login_required
@accepts_pdf_upload
def decision_new(request, pk):
    _officer_only(request.user)
    notice = get_object_or_404(selectors.discontinuation_notices_for_user(request.user), pk=pk)
    form = DiscontinuationDecisionForm(request.POST or None, request.FILES or None)
    if upload_too_large(request):
        _refuse_too_large(form)
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            governance.propose_discontinuation_decision(
                notice,
                effective_on=data["effective_on"],
                text=data["text"],
                document=data.get("document"),
                by=request.user,
            )
        except PermissionDenied:
            form.add_error(None, _("A mutual decision has already been agreed for this notice."))
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The decision is recorded; the other Side must approve it."))
            return redirect("governance:notice_detail", pk=notice.pk)
    return render(request, "loi_portal/governance/decision_form.html", {"form": form, "notice": notice})


@login_required
@require_POST
def decision_approve(request, pk):
    _officer_only(request.user)
    decision = get_object_or_404(selectors.discontinuation_decisions_for_user(request.user), pk=pk)
    try:
        governance.approve_discontinuation_decision(decision, by=request.user)
    except (PermissionDenied, ValidationError):
        messages.error(request, _("Your Side cannot approve this decision (already approved or agreed)."))
    else:
        messages.success(request, _("Your Side's approval has been recorded."))
    return redirect("governance:notice_detail", pk=decision.notice_id)


@login_required
def decision_document(request, pk):
    _officer_only(request.user)
    decision = get_object_or_404(selectors.discontinuation_decisions_for_user(request.user), pk=pk)
    return _download(request, decision, "document", "discontinuation.download")


# -- divergences of opinion ---------------------------------------------------------------------------


@login_required
def divergence_list(request):
    _officer_only(request.user)
    qs = selectors.divergences_for_user(request.user)
    state = request.GET.get("state", "")
    if state in DivergenceState.values:
        qs = qs.filter(state=state)
    query = request.GET.get("q", "").strip()
    if query:
        qs = qs.filter(subject__icontains=query)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "loi_portal/governance/divergence_list.html",
        {"page": page, "state": state, "q": query, "states": DivergenceState.choices},
    )


@login_required
def divergence_new(request):
    _officer_only(request.user)
    form = DivergenceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            divergence = governance.open_divergence(
                data["subject"], by=request.user, linked=data["linked"], description=data["description"]
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The divergence of opinion has been opened."))
            return redirect("governance:divergence_detail", pk=divergence.pk)
    return render(request, "loi_portal/governance/divergence_form.html", {"form": form})


@login_required
def divergence_detail(request, pk):
    _officer_only(request.user)
    divergence = get_object_or_404(selectors.divergences_for_user(request.user), pk=pk)
    audit("divergence.view", by=request.user, obj=divergence, sides=BOTH)
    positions = {p.side.code: p for p in divergence.positions.all()}
    own = positions.get(request.user.side.code)
    return render(
        request,
        "loi_portal/governance/divergence_detail.html",
        {
            "divergence": divergence,
            "positions": list(positions.values()),
            "position_form": PositionForm(initial={"text": own.text if own else ""}),
            "escalation_form": EscalationForm(initial={"escalated_on": timezone.localdate()}),
            "resolution_form": ResolutionForm(initial={"resolved_on": timezone.localdate()}),
            "can_write": can_write_divergence_position(request.user, divergence),
            "can_escalate": can_escalate_divergence(request.user, divergence),
            "can_resolve": can_resolve_divergence(request.user, divergence),
        },
    )


def _divergence_step(request, pk, form_class, template, step):
    _officer_only(request.user)
    divergence = get_object_or_404(selectors.divergences_for_user(request.user), pk=pk)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            step(divergence, **form.cleaned_data, by=request.user)
        except PermissionDenied:
            form.add_error(None, _("This divergence no longer allows that step."))
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("governance:divergence_detail", pk=divergence.pk)
    return render(request, template, {"form": form, "divergence": divergence})


@login_required
def divergence_position(request, pk):
    return _divergence_step(
        request,
        pk,
        PositionForm,
        "loi_portal/governance/divergence_step.html",
        governance.write_divergence_position,
    )


@login_required
def divergence_escalate(request, pk):
    return _divergence_step(
        request,
        pk,
        EscalationForm,
        "loi_portal/governance/divergence_step.html",
        governance.escalate_divergence,
    )


@login_required
def divergence_resolve(request, pk):
    return _divergence_step(
        request,
        pk,
        ResolutionForm,
        "loi_portal/governance/divergence_step.html",
        governance.resolve_divergence,
    )


# -- the disclosure register -------------------------------------------------------------------------


@login_required
def disclosure_list(request):
    _officer_only(request.user)
    qs = selectors.disclosure_permissions_for_user(request.user)
    query = request.GET.get("q", "").strip()
    if query:
        qs = qs.filter(what__icontains=query) | qs.filter(third_party__icontains=query)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    return render(request, "loi_portal/governance/disclosure_list.html", {"page": page, "q": query})


@login_required
@accepts_pdf_upload
def disclosure_new(request):
    _officer_only(request.user)
    form = DisclosureForm(request.POST or None, request.FILES or None)
    if upload_too_large(request):
        _refuse_too_large(form)
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            permission = governance.record_disclosure_permission(
                data["subject"],
                what=data["what"],
                provided_by=data["provided_by"],
                audience=data["audience"],
                to_side=data.get("to_side"),
                third_party=data.get("third_party", ""),
                permitted_on=data["permitted_on"],
                permission_text=data.get("permission_text", ""),
                document=data.get("document"),
                by=request.user,
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The permission has been recorded in the disclosure register."))
            return redirect("governance:disclosure_detail", pk=permission.pk)
    return render(request, "loi_portal/governance/disclosure_form.html", {"form": form})


@login_required
def disclosure_detail(request, pk):
    _officer_only(request.user)
    permission = get_object_or_404(selectors.disclosure_permissions_for_user(request.user), pk=pk)
    audit("disclosure.view", by=request.user, obj=permission, sides=BOTH)
    return render(request, "loi_portal/governance/disclosure_detail.html", {"permission": permission})


@login_required
def disclosure_document(request, pk):
    _officer_only(request.user)
    permission = get_object_or_404(selectors.disclosure_permissions_for_user(request.user), pk=pk)
    return _download(request, permission, "document", "disclosure.download")


# -- the audit log -----------------------------------------------------------------------------------


def _audit_entries(request):
    if not can_read_audit_log(request.user):
        raise Http404
    form = AuditFilterForm(request.GET or None)
    return form, form.filter(selectors.audit_entries_for_user(request.user))


@login_required
@require_GET
def audit_log(request):
    form, qs = _audit_entries(request)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "loi_portal/governance/audit_log.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "csv_url": reverse("governance:audit_log_csv"),
        },
    )


@login_required
@require_GET
def audit_log_csv(request):
    _form, qs = _audit_entries(request)
    audit("audit.export", by=request.user, sides=[request.user.side.code], filters=request.GET.dict())
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-log-{request.user.side.code}.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            _("When (UTC)"),
            _("Who"),
            _("Side"),
            _("Action"),
            _("Kind of object"),
            _("Object"),
            _("From"),
            _("Details"),
        ]
    )
    for entry in qs.iterator(chunk_size=2000):
        writer.writerow(
            [
                neutralise("" if c is None else str(c))
                for c in (
                    entry.at.astimezone(dt.UTC).isoformat(),
                    entry.actor_name,
                    entry.actor_side,
                    entry.action,
                    entry.object_type,
                    f"{entry.object_id} {entry.object_repr}".strip(),
                    entry.ip_address or "",
                    entry.details,
                )
            ]
        )
    return response
