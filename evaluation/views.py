"""Pages of the evaluation. Thin: objects come from the selectors (hidden means 404), writes go through
the services, and a service's ValidationError lands on the form that caused it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from loi_portal.enums import Role
from loi_portal.models import Side, User
from loi_portal.services import side_role_group

from . import selectors, services
from .enums import AssignmentState, ConsensusState, ReviewState
from .forms import (
    AnswerForm,
    ApproveSelectionForm,
    AssignForm,
    ConflictDeclarationForm,
    ConsensusForm,
    DivergenceForm,
    EligibilityForm,
    FundingForm,
    RapporteurForm,
    ReleaseForm,
    ReviewForm,
    ReviewRequestForm,
    SelectionEntryForm,
    SettingsForm,
    WithdrawFundingForm,
    apply_errors,
)
from .models import CallEvaluation, Consensus, ProposalEvaluation, Review, SelectionList
from .permissions import (
    can_assign,
    can_declare,
    can_read_proposal,
    can_reopen_consensus,
    can_score,
    can_write_consensus,
)

PAGE_SIZE = 25


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _own_call_evaluation(user, pk) -> CallEvaluation:
    return get_object_or_404(selectors.call_evaluations_for_user(user).filter(side_id=user.side_id), pk=pk)


def _own_proposal_evaluation(user, pk) -> ProposalEvaluation:
    return get_object_or_404(selectors.proposal_evaluations_for_user(user), pk=pk)


# -- dashboards ----------------------------------------------------------------------------------------


@login_required
def home(request):
    """Evaluators: their assignments. Officers: their Side's evaluations of calls, and the other Side's
    released ones. Researchers: the evaluation summaries of their proposals."""
    user = request.user
    context = {}
    if user.is_evaluator:
        context["assignments"] = _page(request, selectors.evaluator_dashboard_for_user(user))
    if user.is_officer:
        evaluations = list(selectors.call_evaluations_for_user(user))
        context["own_calls"] = [ce for ce in evaluations if ce.side_id == user.side_id]
        context["released_other"] = [ce for ce in evaluations if ce.side_id != user.side_id]
        context["selections"] = list(selectors.selection_lists_for_user(user))
    context["summaries"] = selectors.summaries_for_user(user)
    return render(request, "evaluation/home.html", context)


# -- evaluators ----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def assignment_detail(request, pk):
    """The evaluator's assignment: the title and consortium, the portal's warnings, and the conflict
    declaration; the rest of the proposal once they declared no conflict."""
    assignment = get_object_or_404(selectors.evaluator_dashboard_for_user(request.user), pk=pk)
    proposal = assignment.evaluation.proposal
    terms = services.terms_for(proposal.call, assignment.side_id)
    form = ConflictDeclarationForm(request.POST or None, conflict_types=services.conflict_types_for(terms))
    if request.method == "POST":
        if not can_declare(request.user, assignment):
            raise Http404
        if form.is_valid():
            try:
                if form.cleaned_data["declaration"] == form.NONE:
                    services.declare_no_conflict(assignment, by=request.user)
                    messages.success(request, _("Thank you. You can now read and score the proposal."))
                    return redirect("evaluation:assignment", pk)
                services.declare_conflict(
                    assignment,
                    by=request.user,
                    conflict_type=form.cleaned_data["conflict_type"],
                    note=form.cleaned_data["note"],
                )
                messages.success(
                    request, _("Your conflict of interest is recorded; the officers will reassign.")
                )
                return redirect("evaluation:home")
            except ValidationError as exc:
                apply_errors(form, exc)
    partners = list(proposal.partners.all())
    readable = can_read_proposal(request.user, assignment)
    co_reviews = []
    if readable:
        co_reviews = list(
            selectors.reviews_for_user(request.user)
            .filter(assignment__evaluation=assignment.evaluation)
            .exclude(assignment=assignment)
        )
    return render(
        request,
        "evaluation/assignment.html",
        {
            "assignment": assignment,
            "proposal": proposal,
            "partners": partners,
            "warnings": services.likely_conflicts(request.user, proposal, partners),
            "form": form,
            "readable": readable,
            "can_declare": can_declare(request.user, assignment),
            "can_score": can_score(request.user, assignment),
            "co_reviews": co_reviews,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def review_form(request, pk):
    assignment = get_object_or_404(selectors.evaluator_dashboard_for_user(request.user), pk=pk)
    if not can_read_proposal(request.user, assignment):
        raise Http404
    proposal = assignment.evaluation.proposal
    terms = services.terms_for(proposal.call, assignment.side_id)
    review = Review.objects.filter(assignment=assignment).prefetch_related("scores").first()
    initial_scores = {s.criterion_id: (s.score, s.comment) for s in review.scores.all()} if review else {}
    initial = {"overall_comment": review.overall_comment, "confidence": review.confidence} if review else {}
    form = ReviewForm(request.POST or None, terms=terms, initial_scores=initial_scores, initial=initial)
    submitted = review is not None and review.state == ReviewState.SUBMITTED
    if request.method == "POST" and not submitted and form.is_valid():
        try:
            review = services.save_review(
                assignment,
                by=request.user,
                scores=form.scores(),
                overall_comment=form.cleaned_data["overall_comment"],
                confidence=form.cleaned_data["confidence"],
            )
            if "submit" in request.POST:
                services.submit_review(review, by=request.user)
                messages.success(request, _("Your review has been submitted."))
                return redirect("evaluation:assignment", pk)
            messages.success(request, _("Your draft has been saved."))
            return redirect("evaluation:review", pk)
        except ValidationError as exc:
            apply_errors(form, exc)
    if submitted:
        for field in form.fields.values():
            field.disabled = True
    return render(
        request,
        "evaluation/review_form.html",
        {
            "assignment": assignment,
            "proposal": proposal,
            "form": form,
            "review": review,
            "submitted": submitted,
        },
    )


@login_required
def review_detail(request, pk):
    review = get_object_or_404(selectors.reviews_for_user(request.user), pk=pk)
    show_name = request.user.is_officer and request.user.side_id == review.assignment.side_id
    return render(request, "evaluation/review_detail.html", {"review": review, "show_name": show_name})


# -- officers ------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def call_evaluation(request, pk):
    """The Side's evaluation of a call: progress, settings and the eligibility and assignment list."""
    call_eval = _own_call_evaluation(request.user, pk)
    settings_form = SettingsForm(
        request.POST or None, initial={"evaluators_per_proposal": call_eval.evaluators_per_proposal}
    )
    if request.method == "POST" and settings_form.is_valid():
        try:
            services.set_evaluators_per_proposal(
                call_eval, settings_form.cleaned_data["evaluators_per_proposal"], by=request.user
            )
            messages.success(request, _("Saved."))
            return redirect("evaluation:call", pk)
        except ValidationError as exc:
            apply_errors(settings_form, exc)
    evaluations = selectors.proposal_evaluations_for_user(request.user, call_evaluation=call_eval)
    q = request.GET.get("q", "").strip()
    if q:
        evaluations = evaluations.filter(
            Q(proposal__number__icontains=q)
            | Q(proposal__acronym__icontains=q)
            | Q(proposal__title__icontains=q)
        )
    return render(
        request,
        "evaluation/call.html",
        {
            "call_eval": call_eval,
            "progress": selectors.progress_for_user(request.user, call_eval),
            "page": _page(request, evaluations),
            "q": q,
            "settings_form": settings_form,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def eligibility(request, pk):
    evaluation = _own_proposal_evaluation(request.user, pk)
    form = EligibilityForm(
        request.POST or None,
        initial={
            "eligible": "yes" if evaluation.eligible else "no",
            "reason": evaluation.ineligibility_reason,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["eligible"]:
                services.declare_eligible(evaluation, by=request.user)
            else:
                services.declare_ineligible(evaluation, by=request.user, reason=form.cleaned_data["reason"])
            messages.success(request, _("Eligibility recorded."))
            return redirect("evaluation:call", evaluation.call_evaluation_id)
        except ValidationError as exc:
            apply_errors(form, exc)
    return render(
        request,
        "evaluation/eligibility.html",
        {
            "evaluation": evaluation,
            "form": form,
            "partners": evaluation.proposal.partners.select_related("organisation"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def assign(request, pk):
    """Assignments of one proposal on the Side: the suggestion, the current evaluators (with declared
    conflicts), removal, co-reviewer visibility and the rapporteur."""
    evaluation = _own_proposal_evaluation(request.user, pk)
    evaluators = User.objects.filter(
        groups=side_role_group(evaluation.side, Role.EVALUATOR), side_id=evaluation.side_id, is_active=True
    ).order_by("last_name", "first_name")
    form = AssignForm(request.POST if request.POST.get("action") == "assign" else None, evaluators=evaluators)
    assignments = list(evaluation.assignments.select_related("evaluator__organisation", "review"))
    active_ids = [a.evaluator_id for a in assignments if a.state == AssignmentState.ACTIVE]
    rapporteur_form = RapporteurForm(
        request.POST if request.POST.get("action") == "rapporteur" else None,
        initial={"rapporteur": evaluation.rapporteur_id},
        candidates=User.objects.filter(
            Q(pk__in=active_ids) | Q(groups=side_role_group(evaluation.side, Role.OFFICER))
        ).distinct(),
    )
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "assign" and form.is_valid():
                services.assign_evaluator(evaluation, form.cleaned_data["evaluator"], by=request.user)
                messages.success(request, _("Evaluator assigned."))
                return redirect("evaluation:assign", pk)
            if action == "assign_suggested":
                for evaluator in services.suggest_evaluators(evaluation):
                    services.assign_evaluator(evaluation, evaluator, by=request.user)
                messages.success(request, _("The suggested evaluators are assigned."))
                return redirect("evaluation:assign", pk)
            if action == "remove":
                if request.POST.get("confirm") != "yes":
                    messages.error(request, _("Tick the confirmation to remove an evaluator."))
                    return redirect("evaluation:assign", pk)
                target = get_object_or_404(evaluation.assignments, pk=request.POST.get("assignment"))
                services.remove_assignment(target, by=request.user)
                messages.success(request, _("The evaluator was removed and no longer sees the proposal."))
                return redirect("evaluation:assign", pk)
            if action == "co_review":
                services.set_reviewers_see_each_other(
                    evaluation, request.POST.get("visible") == "yes", by=request.user
                )
                messages.success(request, _("Saved."))
                return redirect("evaluation:assign", pk)
            if action == "rapporteur" and rapporteur_form.is_valid():
                services.name_rapporteur(
                    evaluation, rapporteur_form.cleaned_data["rapporteur"], by=request.user
                )
                messages.success(request, _("Saved."))
                return redirect("evaluation:assign", pk)
        except ValidationError as exc:
            apply_errors(rapporteur_form if action == "rapporteur" else form, exc)
    suggestion = services.suggest_evaluators(evaluation) if can_assign(request.user, evaluation) else []
    return render(
        request,
        "evaluation/assign.html",
        {
            "evaluation": evaluation,
            "assignments": assignments,
            "suggestion": suggestion,
            "form": form,
            "rapporteur_form": rapporteur_form,
            "can_assign": can_assign(request.user, evaluation),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def consensus(request, pk):
    """The consensus of one proposal on the Side: the reviews side by side with the spread per
    criterion, and the consensus form; results and totals are computed."""
    evaluation = get_object_or_404(
        ProposalEvaluation.objects.select_related(
            "call_evaluation__call", "proposal__call", "side", "rapporteur"
        ),
        pk=pk,
    )
    is_officer = request.user.is_officer and request.user.side_id == evaluation.side_id
    if not (is_officer or can_write_consensus(request.user, evaluation)):
        raise Http404
    terms = services.terms_for(evaluation.proposal.call, evaluation.side_id)
    criteria = list(terms.criteria.all())
    current = getattr(evaluation, "consensus", None)
    initial_scores = {s.criterion_id: (s.score, s.comment) for s in current.scores.all()} if current else {}
    initial = (
        {
            "overall_comment": current.overall_comment,
            "majority_view": current.majority_view,
            "minority_view": current.minority_view,
            "lock_version": current.lock_version,
        }
        if current
        else {"lock_version": 0}
    )
    form = ConsensusForm(request.POST or None, terms=terms, initial_scores=initial_scores, initial=initial)
    writable = can_write_consensus(request.user, evaluation) and (
        current is None or current.state == ConsensusState.DRAFT
    )
    conflict = None
    if request.method == "POST":
        try:
            if "reopen" in request.POST and current and can_reopen_consensus(request.user, current):
                services.reopen_consensus(current, by=request.user)
                return redirect("evaluation:consensus", pk)
            if writable and form.is_valid():
                saved = services.save_consensus(
                    evaluation,
                    by=request.user,
                    scores=form.scores(),
                    overall_comment=form.cleaned_data["overall_comment"],
                    majority_view=form.cleaned_data["majority_view"],
                    minority_view=form.cleaned_data["minority_view"],
                    lock_version=form.cleaned_data["lock_version"],
                )
                if "finalise" in request.POST:
                    services.finalise_consensus(saved, by=request.user)
                    messages.success(request, _("The consensus is final."))
                else:
                    messages.success(request, _("The consensus draft has been saved."))
                return redirect("evaluation:consensus", pk)
        except services.EditConflict as exc:
            # Someone saved meanwhile: keep what was typed, show the saved version beside it.
            form.add_error(None, str(exc))
            form.take_version(exc.current_version)
            conflict = (
                Consensus.objects.filter(evaluation=evaluation)
                .select_related("updated_by")
                .prefetch_related("scores__criterion")
                .first()
            )
        except ValidationError as exc:
            apply_errors(form, exc)
    if not writable:
        for field in form.fields.values():
            field.disabled = True
    return render(
        request,
        "evaluation/consensus.html",
        {
            "evaluation": evaluation,
            "consensus": current,
            "workspace": selectors.consensus_workspace(evaluation, criteria),
            "form": form,
            "writable": writable,
            "can_reopen": bool(current and can_reopen_consensus(request.user, current)),
            "terms": terms,
            "conflict": conflict,
        },
    )


@login_required
def ranking(request, pk):
    call_eval = get_object_or_404(CallEvaluation.objects.select_related("call", "side"), pk=pk)
    page, rows, criteria = selectors.ranking_page_for_user(request.user, call_eval, request.GET.get("page"))
    terms = services.terms_for(call_eval.call, call_eval.side_id)
    return render(
        request,
        "evaluation/ranking.html",
        {
            "call_eval": call_eval,
            "page": page,
            "rows": rows,
            "criteria": criteria,
            "terms": terms,
            "own_side": request.user.side_id == call_eval.side_id,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def release(request, pk):
    call_eval = _own_call_evaluation(request.user, pk)
    form = ReleaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.release_consensus(call_eval, by=request.user)
            messages.success(request, _("Your Side's consensus and ranking are released to the other Side."))
            return redirect("evaluation:ranking", pk)
        except ValidationError as exc:
            apply_errors(form, exc)
    return render(
        request,
        "evaluation/release.html",
        {"call_eval": call_eval, "form": form, "blockers": services.release_blockers(call_eval)},
    )


def _selection_url(call_pk, request) -> str:
    """Back to the page of the list the officer was working on."""
    url = reverse("evaluation:selection", args=[call_pk])
    page = request.GET.get("page", "")
    return f"{url}?page={page}" if page.isdigit() else url


@login_required
@require_http_methods(["GET", "POST"])
def selection(request, call_pk):
    """Both released rankings side by side, the outcome per proposal, both Sides' approvals, and a
    divergence of opinion when the Sides disagree."""
    selection_list = get_object_or_404(selectors.selection_lists_for_user(request.user), call_id=call_pk)
    action = request.POST.get("action")
    entry_form = SelectionEntryForm(request.POST if action == "outcome" else None)
    approve_form = ApproveSelectionForm(request.POST if action == "approve" else None)
    divergence_form = DivergenceForm(request.POST if action == "divergence" else None)
    if request.method == "POST":
        try:
            if action == "outcome" and entry_form.is_valid():
                entry = get_object_or_404(selection_list.entries, pk=entry_form.cleaned_data["entry"])
                services.record_selection(entry, entry_form.cleaned_data["outcome"], by=request.user)
                messages.success(request, _("Outcome recorded; both Sides need to approve the list again."))
                return redirect(_selection_url(call_pk, request))
            if action == "approve" and approve_form.is_valid():
                effective = services.approve_selection(
                    selection_list, by=request.user, version=approve_form.cleaned_data["version"]
                )
                messages.success(
                    request,
                    _("Both Sides approved: the list is in effect.")
                    if effective
                    else _("Your Side approved the list."),
                )
                return redirect(_selection_url(call_pk, request))
            if action == "divergence" and divergence_form.is_valid():
                entry = get_object_or_404(
                    selection_list.entries, proposal_id=divergence_form.cleaned_data["proposal"]
                )
                services.open_divergence(
                    entry.proposal,
                    by=request.user,
                    subject=divergence_form.cleaned_data["subject"],
                    description=divergence_form.cleaned_data["description"],
                )
                messages.success(request, _("The divergence of opinion is open."))
                return redirect(_selection_url(call_pk, request))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    page, rows = selectors.selection_page(selection_list, request.GET.get("page"))
    state = services.selection_state(selection_list)
    return render(
        request,
        "evaluation/selection.html",
        {
            "selection": selection_list,
            "page": page,
            "rows": rows,
            "state": state,
            "outcomes": SelectionEntryForm.base_fields["outcome"].choices,
            "approve_form": ApproveSelectionForm(initial={"version": state["hash"]}),
            "divergence_form": divergence_form,
            "my_side_approved": request.user.side.code in state["approved_sides"],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def funding(request, call_pk):
    """The officer's Side funds its own participants of selected proposals; both Sides' committed and
    remaining budgets are shown."""
    if not request.user.is_officer:
        raise Http404
    selection_list = get_object_or_404(
        SelectionList.objects.select_related("call").filter(effective_at__isnull=False), call_id=call_pk
    )
    call = selection_list.call
    side = request.user.side
    if request.method == "POST" and request.POST.get("action") == "withdraw":
        withdraw_form = WithdrawFundingForm(request.POST)
        if not withdraw_form.is_valid():
            raise Http404
        decision = get_object_or_404(
            selectors.funding_decisions_for_user(request.user).filter(call=call, side_id=side.pk),
            pk=withdraw_form.cleaned_data["decision"],
        )
        try:
            services.withdraw_funding(decision, by=request.user)
            messages.success(request, _("Funding decision withdrawn."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("evaluation:funding", call_pk)
    form = FundingForm(request.POST or None, currency=side.currency)
    if request.method == "POST" and form.is_valid():
        partner = get_object_or_404(
            selectors.fundable_partners_for_user(request.user, call), pk=form.cleaned_data["partner"]
        )
        try:
            services.record_funding(
                partner, form.amount_minor(), by=request.user, note=form.cleaned_data["note"]
            )
            messages.success(request, _("Funding decision recorded."))
            return redirect("evaluation:funding", call_pk)
        except (ValidationError, ValueError) as exc:
            if isinstance(exc, ValidationError):
                apply_errors(form, exc)
            else:
                form.add_error("amount", _("Too many decimals for this currency."))
    budgets = [services.budget_figures(call, s) for s in Side.objects.order_by("code")]
    return render(
        request,
        "evaluation/funding.html",
        {
            "call": call,
            "side": side,
            "budgets": budgets,
            "partners": list(selectors.fundable_partners_for_user(request.user, call)),
            "decisions": list(selectors.funding_decisions_for_user(request.user).filter(call=call)),
            "form": form,
            "error_partner": form.data.get("partner") if form.errors else None,
        },
    )


# -- applicants ----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def summary(request, pk):
    proposal = get_object_or_404(
        selectors.proposals_with_summary_for_user(request.user).select_related("call"), pk=pk
    )
    data = selectors.evaluation_summary_for(proposal, request.user)
    if data is None:
        raise Http404
    form = ReviewRequestForm(request.POST or None, sides=Side.objects.all())
    if request.method == "POST" and form.is_valid():
        try:
            services.file_review_request(
                proposal, by=request.user, side=form.cleaned_data["side"], text=form.cleaned_data["text"]
            )
            messages.success(request, _("Your request has been sent to the Side concerned."))
            return redirect("evaluation:summary", pk)
        except ValidationError as exc:
            apply_errors(form, exc)
    return render(request, "evaluation/summary.html", {**data, "form": form})


@login_required
def review_request_list(request):
    return render(
        request,
        "evaluation/review_requests.html",
        {"page": _page(request, selectors.review_requests_for_user(request.user).order_by("-requested_at"))},
    )


@login_required
@require_http_methods(["GET", "POST"])
def review_request_detail(request, pk):
    review_request = get_object_or_404(selectors.review_requests_for_user(request.user), pk=pk)
    form = AnswerForm(request.POST or None)
    can_answer = request.user.is_officer and request.user.side_id == review_request.side_id
    if request.method == "POST":
        if not can_answer:
            raise Http404
        if form.is_valid():
            try:
                services.answer_review_request(
                    review_request, by=request.user, answer=form.cleaned_data["answer"]
                )
                messages.success(request, _("Your answer has been sent."))
                return redirect("evaluation:review_request", pk)
            except ValidationError as exc:
                apply_errors(form, exc)
    return render(
        request,
        "evaluation/review_request.html",
        {
            "request_obj": review_request,
            "form": form,
            "can_answer": can_answer and review_request.state == "open",
        },
    )
