"""Researchers' and officers' pages. Thin: each page reads through the selectors, checks a
predicate and calls a service. Hidden proposals are 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from calls.models import Call
from calls.selectors import calls_for_user
from loi_portal.downloads import pdf_attachment
from loi_portal.forms import add_service_errors as _add_errors
from loi_portal.pdf import render_pdf

from . import permissions as perms
from . import selectors, services
from .annexes import too_large_message, use_annex_upload_handler
from .forms import (
    AnnexForm,
    ConfirmForm,
    InviteForm,
    LateExceptionForm,
    PartnerFormSet,
    ProposalForm,
    SearchForm,
    WithdrawForm,
)
from .models import ConsortiumMember, LateSubmissionException


def _proposal(request, pk):
    return get_object_or_404(selectors.proposal_detail_queryset(request.user), pk=pk)


@login_required
def my_proposals(request):
    qs = selectors.proposals_for_user(request.user).filter(is_member=True)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    open_calls = [
        c
        for c in Call.objects.filter(state="open").order_by("deadline")
        if perms.can_start_proposal(request.user, c)
    ]
    return render(request, "proposals/my_proposals.html", {"page": page, "open_calls": open_calls})


@login_required
def start(request, call_pk):
    # A call the user may not see (a draft) is missing to them, exactly like an id that does not exist.
    call = get_object_or_404(calls_for_user(request.user).prefetch_related(None), pk=call_pk)
    if not perms.can_start_proposal(request.user, call):
        raise PermissionDenied(_("Only researchers can start a proposal, and only on an open call."))
    form = ProposalForm(request.POST or None, call=call)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            proposal = services.start_proposal(
                call,
                by=request.user,
                acronym=data["acronym"],
                title=data["title"],
                abstract=data["abstract"],
                keywords=data["keywords"],
                topics=data["topics"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Proposal %(number)s started.") % {"number": proposal.number})
            return redirect("proposals:edit", proposal.pk)
    return render(request, "proposals/start.html", {"form": form, "call": call})


@login_required
def detail(request, pk):
    proposal = _proposal(request, pk)
    member = perms.is_member(request.user, proposal)
    return render(
        request,
        "proposals/detail.html",
        {
            "proposal": proposal,
            "is_member": member,
            "can_edit": perms.can_edit_proposal(request.user, proposal),
            "can_withdraw": perms.can_withdraw_proposal(request.user, proposal),
            "blockers": services.submission_blockers(proposal) if member else [],
            "duplicates": services.duplicate_pi_emails(proposal.call) if request.user.is_officer else set(),
        },
    )


@login_required
def edit(request, pk):
    proposal = _proposal(request, pk)
    if not perms.can_edit_proposal(request.user, proposal):
        messages.info(request, _("This proposal is read-only."))
        return redirect("proposals:detail", pk)
    form = ProposalForm(request.POST or None, instance=proposal)
    formset = PartnerFormSet(
        request.POST or None,
        queryset=proposal.partners.select_related("organisation", "side"),
        prefix="partners",
    )
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                services.update_proposal(
                    proposal,
                    by=request.user,
                    lock_version=data.get("lock_version"),
                    topics=data["topics"],
                    **{name: data[name] for name in services.PROPOSAL_FIELDS},
                )
                for partner_form in formset.forms:
                    if not partner_form.has_changed() and not partner_form.instance.pk:
                        continue
                    if partner_form in formset.deleted_forms:
                        if partner_form.instance.pk:
                            services.delete_partner(partner_form.instance, by=request.user)
                        continue
                    if partner_form.has_changed():
                        services.save_partner(
                            proposal,
                            by=request.user,
                            partner=partner_form.instance if partner_form.instance.pk else None,
                            **partner_form.partner_fields(),
                        )
        except services.EditConflict as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Your changes are saved."))
            return redirect("proposals:edit", pk)
    return render(request, "proposals/edit.html", {"proposal": proposal, "form": form, "formset": formset})


@login_required
@require_POST
def autosave(request, pk):
    """The edit page's script posts the proposal's own fields here as the user types."""
    proposal = _proposal(request, pk)
    if not perms.can_edit_proposal(request.user, proposal):
        return JsonResponse({"error": _("This proposal is read-only.")}, status=403)
    try:
        lock_version = int(request.POST.get("lock_version", ""))
    except ValueError:
        return JsonResponse({"errors": {"lock_version": [_("This field is required.")]}}, status=400)
    fields = {name: request.POST[name] for name in services.PROPOSAL_FIELDS if name in request.POST}
    try:
        saved = services.update_proposal(proposal, by=request.user, lock_version=lock_version, **fields)
    except services.EditConflict as exc:
        return JsonResponse({"error": str(exc), "lock_version": exc.current_version}, status=409)
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        return JsonResponse({"errors": errors}, status=400)
    return JsonResponse({"lock_version": saved.lock_version, "saved_at": saved.updated_at.isoformat()})


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@csrf_exempt
@login_required
def annexes(request, pk):
    """Upload with the annex handler: it must be installed before the body is read, hence the CSRF
    check inside, after the handler is in place."""
    if request.method == "POST":
        handler = use_annex_upload_handler(request)
        return csrf_protect(_annexes)(request, pk, handler)
    return _annexes(request, pk, None)


def _annexes(request, pk, handler):
    proposal = _proposal(request, pk)
    can_edit = perms.can_edit_proposal(request.user, proposal)
    form = AnnexForm()
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        form = AnnexForm(request.POST, request.FILES)
        if handler is not None and handler.too_large:
            form = AnnexForm(request.POST)
            form.is_valid()
            form.errors.pop("file", None)
            form.add_error("file", too_large_message())
        elif form.is_valid():
            try:
                services.add_annex(
                    proposal, by=request.user, file=form.cleaned_data["file"], kind=form.cleaned_data["kind"]
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                if _wants_json(request):
                    return JsonResponse({"ok": True, "redirect": reverse("proposals:annexes", args=[pk])})
                messages.success(request, _("The annex is uploaded."))
                return redirect("proposals:annexes", pk)
        if _wants_json(request):
            return JsonResponse(
                {"errors": {k: [str(e) for e in v] for k, v in form.errors.items()}}, status=400
            )
    proposal = _proposal(request, pk)
    return render(
        request, "proposals/annexes.html", {"proposal": proposal, "form": form, "can_edit": can_edit}
    )


@login_required
def annex_download(request, pk, annex_pk):
    proposal = _proposal(request, pk)
    annex = get_object_or_404(selectors.annexes_for_user(request.user).filter(proposal=proposal), pk=annex_pk)
    services.record_annex_download(annex, by=request.user)
    return pdf_attachment(annex.file, annex.original_name)


@login_required
def annex_remove(request, pk, annex_pk):
    proposal = _proposal(request, pk)
    annex = get_object_or_404(proposal.annexes.all(), pk=annex_pk)
    if not perms.can_remove_annex(request.user, annex):
        raise PermissionDenied
    form = ConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.remove_annex(annex, by=request.user)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The annex is removed from the draft."))
            return redirect("proposals:annexes", pk)
    return render(
        request, "proposals/annex_remove.html", {"proposal": proposal, "annex": annex, "form": form}
    )


@login_required
def submit(request, pk):
    proposal = _proposal(request, pk)
    if not perms.can_submit_proposal(request.user, proposal):
        raise PermissionDenied
    form = ConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            submission = services.submit_proposal(proposal, by=request.user)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Your proposal is submitted. Keep this receipt."))
            return redirect("proposals:receipt", pk, submission.version)
    return render(
        request,
        "proposals/submit.html",
        {"proposal": proposal, "form": form, "blockers": services.submission_blockers(proposal)},
    )


def _submission(request, pk, version):
    proposal = _proposal(request, pk)
    return get_object_or_404(
        selectors.submissions_for_user(request.user).filter(proposal=proposal), version=version
    )


@login_required
def receipt(request, pk, version):
    submission = _submission(request, pk, version)
    return render(
        request,
        "proposals/receipt.html",
        {
            "submission": submission,
            "proposal": submission.proposal,
            "receipt": services.receipt_of(submission),
        },
    )


@login_required
def receipt_pdf(request, pk, version):
    submission = _submission(request, pk, version)
    pdf = render_pdf(
        "proposals/receipt_pdf.html",
        {
            "submission": submission,
            "proposal": submission.proposal,
            "receipt": services.receipt_of(submission),
        },
        language=request.user.language or "en",
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"receipt-{submission.proposal.number}-v{submission.version}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def withdraw(request, pk):
    proposal = _proposal(request, pk)
    if not perms.can_withdraw_proposal(request.user, proposal):
        raise PermissionDenied
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.withdraw_proposal(proposal, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The proposal is withdrawn."))
            return redirect("proposals:detail", pk)
    return render(request, "proposals/withdraw.html", {"proposal": proposal, "form": form})


@login_required
def invite(request, pk):
    proposal = _proposal(request, pk)
    if not perms.can_invite_co_applicant(request.user, proposal):
        raise PermissionDenied
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.invite_co_applicant(proposal, by=request.user, email=form.cleaned_data["email"])
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The invitation has been sent."))
            return redirect("proposals:detail", pk)
    return render(request, "proposals/invite.html", {"proposal": proposal, "form": form})


@login_required
def accept_invitation(request, token):
    member = (
        ConsortiumMember.objects.select_related("proposal", "invited_by")
        .filter(invitation_token=token)
        .first()
    )
    if member is None or member.user_id is not None:
        raise Http404
    form = ConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.accept_invitation(token, by=request.user)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("You have joined the consortium."))
            return redirect("proposals:detail", member.proposal_id)
    return render(request, "proposals/accept_invitation.html", {"member": member, "form": form})


@login_required
def call_proposals(request, call_pk):
    """Officers: a call's proposals after its deadline, with search and the duplicate-PI flag."""
    call = get_object_or_404(calls_for_user(request.user).prefetch_related(None), pk=call_pk)
    if not perms.can_list_call_proposals(request.user, call):
        raise PermissionDenied
    search = SearchForm(request.GET or None)
    term = search.cleaned_data["q"].strip() if search.is_valid() else ""
    qs = selectors.officer_proposals_for_call(request.user, call, search=term)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    duplicates = services.duplicate_pi_emails(
        call, among={pt.pi_email for p in page for pt in p.partners.all()}
    )
    rows = [(p, sorted({pt.pi_email for pt in p.partners.all()} & duplicates)) for p in page]
    return render(
        request,
        "proposals/call_proposals.html",
        {"call": call, "page": page, "rows": rows, "search": search, "term": term},
    )


@login_required
def late_exceptions(request, pk):
    """Officers of both Sides request and approve a late submission for a named proposal."""
    proposal = _proposal(request, pk)
    if not perms.can_manage_late_exception(request.user, proposal):
        raise PermissionDenied
    form = LateExceptionForm(request.POST or None)
    if request.method == "POST" and "approve" in request.POST:
        exception = get_object_or_404(LateSubmissionException, pk=request.POST["approve"], proposal=proposal)
        try:
            services.approve_late_exception(exception, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Your Side's approval is recorded."))
        return redirect("proposals:late_exceptions", pk)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_late_exception(proposal, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The exception is requested; both Sides must approve it."))
            return redirect("proposals:late_exceptions", pk)
    exceptions = proposal.late_exceptions.prefetch_related("uses").order_by("-requested_at")
    return render(
        request,
        "proposals/late_exceptions.html",
        {"proposal": proposal, "form": form, "exceptions": exceptions},
    )
