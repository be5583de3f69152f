"""Pages of the calls app: the public call pages and the officers' and experts' working pages.

Thin: each view takes its object from a selector (hidden => 404), asks a predicate, calls a service
and puts the service's ValidationError back on the form."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from loi_portal.downloads import pdf_attachment
from loi_portal.services import approvals_of
from proposals.annexes import accepts_pdf_upload, too_large_message, upload_too_large

from . import permissions, selectors, services
from .enums import CallState
from .forms import (
    CALL_ERROR_ALIASES,
    CallDocumentForm,
    CallForm,
    CommentForm,
    DeadlineChangeForm,
    OpinionForm,
    OpinionRequestForm,
    PlanForm,
    ReasonForm,
    TopicForm,
    apply_service_errors,
    zone_for,
)
from .models import DeadlineChange, ExpertOpinion, PlanVersion

PAGE_SIZE = 20


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _officer_required(user):
    if not permissions.can_view_drafts(user):
        raise PermissionDenied


# -- public call pages -------------------------------------------------------------------------------


def call_list(request):
    """Published calls for everyone; officers also see drafts (and can filter by state)."""
    q = request.GET.get("q", "").strip()
    state = request.GET.get("state", "")
    if state not in CallState.values:
        state = ""
    calls = selectors.calls_for_user(request.user, search=q, state=state)
    return render(
        request,
        "calls/call_list.html",
        {
            "page": _page(request, calls),
            "q": q,
            "state": state,
            "states": CallState.choices,
            "can_create": permissions.can_create_call(request.user),
        },
    )


def call_detail(request, pk):
    call = get_object_or_404(selectors.calls_for_user(request.user).prefetch_related("documents"), pk=pk)
    user = request.user
    is_officer = permissions.can_view_drafts(user)
    approvals = list(approvals_of(call)) if is_officer else []
    changes = list(selectors.deadline_changes_for_user(user, call=call))
    if is_officer:
        selectors.attach_approvals(changes)
        for change in changes:
            # At most one change is pending at a time, so this asks the predicate once.
            pending = change.applied_at is None and change.withdrawn_at is None
            change.can_approve = pending and permissions.can_approve_deadline_change(user, change)
    transitions = []
    if permissions.can_transition_call(user, call):
        from .enums import ALLOWED_TRANSITIONS

        transitions = [(to, CallState(to).label) for to in sorted(ALLOWED_TRANSITIONS[call.state])]
    return render(
        request,
        "calls/call_detail.html",
        {
            "call": call,
            "is_officer": is_officer,
            "approvals": approvals,
            "current_approvals": [a for a in approvals if a.version == str(call.text_revision)],
            "changes": changes,
            "transitions": transitions,
            "can_edit": permissions.can_edit_call(user, call),
            "can_approve_text": permissions.can_approve_call_text(user, call),
            "can_request_deadline_change": permissions.can_request_deadline_change(user, call),
            "now": timezone.now(),
        },
    )


def call_ics(request, pk):
    """The deadline as an iCalendar file (UTC), for anyone who may see the call."""
    call = get_object_or_404(selectors.calls_for_user(request.user), pk=pk)
    body = deadline_calendar(call, url=request.build_absolute_uri(reverse("calls:detail", args=[call.pk])))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    # The identifier is typed by officers: let Django quote it for the header.
    response["Content-Disposition"] = content_disposition_header(True, f"{call.identifier}-deadline.ics")
    return response


def call_document_download(request, pk, document_pk):
    """A call's document, for whoever may see the call (public once published), as an attachment."""
    call = get_object_or_404(selectors.calls_for_user(request.user), pk=pk)
    document = get_object_or_404(selectors.call_documents_for_user(request.user, call=call), pk=document_pk)
    return pdf_attachment(document.file, document.original_name)


@login_required
@accepts_pdf_upload
def call_documents(request, pk):
    """The documents of a call; officers upload while it is a draft."""
    _officer_required(request.user)
    call = get_object_or_404(selectors.calls_for_user(request.user), pk=pk)
    can_edit = permissions.can_edit_call(request.user, call)
    form = CallDocumentForm()
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        if upload_too_large(request):
            form = CallDocumentForm(request.POST)
            form.is_valid()
            form.errors.pop("file", None)
            form.add_error("file", too_large_message())
        else:
            form = CallDocumentForm(request.POST, request.FILES)
            if form.is_valid():
                try:
                    services.add_call_document(call, by=request.user, **form.cleaned_data)
                except ValidationError as exc:
                    apply_service_errors(form, exc)
                else:
                    messages.success(
                        request, _("The document is added. Both Sides approve the call text again.")
                    )
                    return redirect("calls:documents", pk=call.pk)
    documents = selectors.call_documents_for_user(request.user, call=call)
    return render(
        request,
        "calls/call_documents.html",
        {"call": call, "documents": documents, "form": form, "can_edit": can_edit},
    )


@login_required
@require_http_methods(["GET", "POST"])
def call_document_remove(request, pk, document_pk):
    call = get_object_or_404(selectors.calls_for_user(request.user), pk=pk)
    document = get_object_or_404(selectors.call_documents_for_user(request.user, call=call), pk=document_pk)
    if not permissions.can_edit_call(request.user, call):
        raise PermissionDenied
    form = CommentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.remove_call_document(document, by=request.user)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The document is removed from the call."))
            return redirect("calls:documents", pk=call.pk)
    return render(
        request,
        "calls/confirm.html",
        {
            "form": form,
            "title": _("Remove “%(title)s” from %(call)s")
            % {"title": document.title, "call": call.identifier},
            "object": call,
            "cancel_url": reverse("calls:documents", args=[call.pk]),
            "button": _("Remove the document"),
            "danger": True,
        },
    )


def _ics_text(value: str) -> str:
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _ics_fold(line: str) -> str:
    """RFC 5545: lines longer than 75 octets continue on the next line after a space."""
    encoded = line.encode()
    if len(encoded) <= 75:
        return line
    parts, current = [], b""
    for char in line:
        piece = char.encode()
        if len(current) + len(piece) > (75 if not parts else 74):
            parts.append(current.decode())
            current = b""
        current += piece
    parts.append(current.decode())
    return "\r\n ".join(parts)


def deadline_calendar(call, *, url: str) -> str:
    """A VCALENDAR with one event at the call's deadline, in UTC (DTSTART:...Z)."""
    stamp = "%Y%m%dT%H%M%SZ"
    deadline = call.deadline.astimezone(dt.UTC)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//LoI Portal//Joint calls//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        # One UID per call, whatever its deadline: a moved deadline updates the event in calendars
        # (a higher SEQUENCE) instead of adding a second one.
        f"UID:call-{call.pk}-deadline@loi-portal",
        f"SEQUENCE:{call.deadline_changes.exclude(applied_at=None).count()}",
        f"DTSTAMP:{timezone.now().astimezone(dt.UTC).strftime(stamp)}",
        f"DTSTART:{deadline.strftime(stamp)}",
        f"DTEND:{deadline.strftime(stamp)}",
        "SUMMARY:" + _ics_text(_("Deadline: %(call)s") % {"call": f"{call.identifier} {call.title}"}),
        "DESCRIPTION:"
        + _ics_text(_("Submission deadline of the joint call %(id)s.") % {"id": call.identifier}),
        f"URL:{url}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(_ics_fold(line) for line in lines) + "\r\n"


# -- officers' call pages ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def call_create(request):
    if not permissions.can_create_call(request.user):
        raise PermissionDenied
    form = CallForm(request.POST or None, initial={"zone": zone_for(request.user)})
    if request.method == "POST" and form.is_valid():
        try:
            call = services.create_call(by=request.user, **form.service_kwargs())
        except ValidationError as exc:
            apply_service_errors(form, exc, CALL_ERROR_ALIASES)
        else:
            messages.success(request, _("The draft call has been created."))
            return redirect("calls:detail", pk=call.pk)
    return render(request, "calls/call_form.html", {"form": form, "call": None})


@login_required
@require_http_methods(["GET", "POST"])
def call_edit(request, pk):
    call = get_object_or_404(selectors.calls_for_user(request.user), pk=pk)
    if not permissions.can_edit_call(request.user, call):
        raise PermissionDenied
    zone = zone_for(request.user)
    form = CallForm(request.POST or None, initial=CallForm.initial_from(call, zone))
    if request.method == "POST" and form.is_valid():
        kwargs = form.service_kwargs()
        try:
            services.update_call(
                call, by=request.user, topics=kwargs.pop("topics"), budgets=kwargs.pop("budgets"), **kwargs
            )
        except ValidationError as exc:
            apply_service_errors(form, exc, CALL_ERROR_ALIASES)
        else:
            messages.success(
                request,
                _("Saved as text revision %(n)s; both Sides approve it again.") % {"n": call.text_revision},
            )
            return redirect("calls:detail", pk=call.pk)
    return render(request, "calls/call_form.html", {"form": form, "call": call})


@login_required
@require_http_methods(["GET", "POST"])
def call_approve_text(request, pk):
    call = get_object_or_404(selectors.calls_for_user(request.user), pk=pk)
    if not permissions.can_approve_call_text(request.user, call):
        raise PermissionDenied
    form = CommentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _call, both = services.approve_call_text(
                call, by=request.user, comment=form.cleaned_data["comment"]
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Both Sides have approved this text; it can be published.")
                if both
                else _("Your Side's approval is recorded; the other Side approves next."),
            )
            return redirect("calls:detail", pk=call.pk)
    return render(
        request,
        "calls/confirm.html",
        {
            "form": form,
            "title": _("Approve revision %(n)s of the call text") % {"n": call.text_revision},
            "object": call,
            "cancel_url": reverse("calls:detail", args=[call.pk]),
            "button": _("Approve for my Side"),
        },
    )


TRANSITION_SERVICES = {
    CallState.PUBLISHED: lambda call, by, reason: services.publish_call(call, by=by),
    CallState.DRAFT: lambda call, by, reason: services.unpublish_call(call, by=by, reason=reason),
    CallState.OPEN: lambda call, by, reason: services.open_call(call, by=by),
    CallState.CLOSED: lambda call, by, reason: services.close_call(call, by=by),
    CallState.UNDER_EVALUATION: lambda call, by, reason: services.start_evaluation(call, by=by),
    CallState.SELECTION: lambda call, by, reason: services.start_selection(call, by=by),
    CallState.AWARDED: lambda call, by, reason: services.award_call(call, by=by),
    CallState.ARCHIVED: lambda call, by, reason: services.archive_call(call, by=by),
}


@login_required
@require_http_methods(["GET", "POST"])
def call_transition(request, pk, to):
    """A confirmation page, then the transition; a refusal says why."""
    call = get_object_or_404(selectors.calls_for_user(request.user), pk=pk)
    if to not in CallState.values:
        raise Http404
    if not permissions.can_transition_call(request.user, call):
        raise PermissionDenied
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            TRANSITION_SERVICES[to](call, request.user, form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The call is now “%(state)s”.") % {"state": CallState(to).label})
            return redirect("calls:detail", pk=call.pk)
    return render(
        request,
        "calls/confirm.html",
        {
            "form": form,
            "title": _("Move %(call)s from “%(from)s” to “%(to)s”")
            % {"call": call.identifier, "from": call.get_state_display(), "to": CallState(to).label},
            "object": call,
            "cancel_url": reverse("calls:detail", args=[call.pk]),
            "button": _("Confirm"),
            "danger": to in (CallState.CLOSED, CallState.ARCHIVED, CallState.DRAFT),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def deadline_change_request(request, pk):
    call = get_object_or_404(selectors.calls_for_user(request.user), pk=pk)
    if not permissions.can_request_deadline_change(request.user, call):
        raise PermissionDenied
    form = DeadlineChangeForm(request.POST or None, initial={"zone": zone_for(request.user)})
    if request.method == "POST" and form.is_valid():
        try:
            services.request_deadline_change(
                call,
                by=request.user,
                new_deadline=form.cleaned_data["new_deadline"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The request is recorded; an officer of each Side approves it."))
            return redirect("calls:detail", pk=call.pk)
    return render(request, "calls/deadline_change_form.html", {"form": form, "call": call})


def _deadline_change(request, pk):
    _officer_required(request.user)
    return get_object_or_404(
        DeadlineChange.objects.select_related("call").filter(call__in=selectors.calls_for_user(request.user)),
        pk=pk,
    )


@login_required
@require_http_methods(["GET", "POST"])
def deadline_change_approve(request, pk):
    change = _deadline_change(request, pk)
    if not permissions.can_approve_deadline_change(request.user, change):
        raise PermissionDenied
    form = CommentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _change, applied = services.approve_deadline_change(change, by=request.user)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Both Sides approved: the deadline has moved.")
                if applied
                else _("Your Side's approval is recorded; the other Side approves next."),
            )
            return redirect("calls:detail", pk=change.call_id)
    return render(
        request,
        "calls/confirm.html",
        {
            "form": form,
            "title": _("Approve moving the deadline of %(call)s") % {"call": change.call.identifier},
            "object": change,
            "change": change,
            "cancel_url": reverse("calls:detail", args=[change.call_id]),
            "button": _("Approve for my Side"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def deadline_change_withdraw(request, pk):
    change = _deadline_change(request, pk)
    form = CommentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.withdraw_deadline_change(change, by=request.user)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The request has been withdrawn."))
            return redirect("calls:detail", pk=change.call_id)
    return render(
        request,
        "calls/confirm.html",
        {
            "form": form,
            "title": _("Withdraw the request to move the deadline of %(call)s")
            % {"call": change.call.identifier},
            "object": change,
            "change": change,
            "cancel_url": reverse("calls:detail", args=[change.call_id]),
            "button": _("Withdraw"),
            "danger": True,
        },
    )


# -- topics ------------------------------------------------------------------------------------------


@login_required
def topic_list(request):
    if not permissions.can_view_drafts(request.user) and not request.user.is_expert:
        raise Http404
    q = request.GET.get("q", "").strip()
    topics = selectors.topics_for_user(request.user, search=q)
    if not permissions.can_view_drafts(request.user):
        # Experts list the topics they were asked about, not those of public calls.
        topics = topics.filter(opinions__expert=request.user)
    return render(
        request,
        "calls/topic_list.html",
        {"page": _page(request, topics), "q": q, "can_propose": permissions.can_propose_topic(request.user)},
    )


@login_required
def topic_detail(request, pk):
    topic = get_object_or_404(selectors.topics_for_user(request.user), pk=pk)
    user = request.user
    if not permissions.can_view_topic_page(user, topic):
        # An agreed topic of a public call is read on the call's page.
        raise Http404
    opinions = list(selectors.opinions_for_user(user, topic=topic))
    return render(
        request,
        "calls/topic_detail.html",
        {
            "topic": topic,
            "opinions": opinions,
            "approvals": list(approvals_of(topic)) if permissions.can_view_opinions(user, topic) else [],
            "can_edit": permissions.can_edit_topic(user, topic),
            "can_agree": permissions.can_agree_topic(user, topic),
            "can_request_opinion": permissions.can_request_opinion(user, topic),
            "is_officer": permissions.can_view_opinions(user, topic),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def topic_create(request):
    if not permissions.can_propose_topic(request.user):
        raise PermissionDenied
    form = TopicForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            topic = services.propose_topic(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The topic has been proposed."))
            return redirect("calls:topic_detail", pk=topic.pk)
    return render(request, "calls/topic_form.html", {"form": form, "topic": None})


@login_required
@require_http_methods(["GET", "POST"])
def topic_edit(request, pk):
    topic = get_object_or_404(selectors.topics_for_user(request.user), pk=pk)
    if not permissions.can_edit_topic(request.user, topic):
        raise PermissionDenied
    form = TopicForm(request.POST or None, instance=topic)
    if request.method == "POST" and form.is_valid():
        fresh = get_object_or_404(selectors.topics_for_user(request.user), pk=pk)
        try:
            services.edit_topic(fresh, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The topic has been saved."))
            return redirect("calls:topic_detail", pk=pk)
    return render(request, "calls/topic_form.html", {"form": form, "topic": topic})


@login_required
@require_http_methods(["GET", "POST"])
def topic_agree(request, pk):
    topic = get_object_or_404(selectors.topics_for_user(request.user), pk=pk)
    if not permissions.can_agree_topic(request.user, topic):
        raise PermissionDenied
    form = CommentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.agree_topic(topic, by=request.user, comment=form.cleaned_data["comment"])
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("The topic is agreed by both Sides.")
                if topic.is_agreed
                else _("Your Side's agreement is recorded; the other Side agrees next."),
            )
            return redirect("calls:topic_detail", pk=pk)
    return render(
        request,
        "calls/confirm.html",
        {
            "form": form,
            "title": _("Agree to revision %(n)s of “%(title)s”")
            % {"n": topic.revision, "title": topic.title},
            "object": topic,
            "cancel_url": reverse("calls:topic_detail", args=[pk]),
            "button": _("Agree for my Side"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def topic_request_opinion(request, pk):
    topic = get_object_or_404(selectors.topics_for_user(request.user), pk=pk)
    if not permissions.can_request_opinion(request.user, topic):
        raise PermissionDenied
    form = OpinionRequestForm(request.POST or None, topic=topic)
    if request.method == "POST" and form.is_valid():
        try:
            for expert in form.cleaned_data["experts"]:
                services.request_opinion(topic, expert=expert, by=request.user)
        except ValidationError as exc:
            apply_service_errors(form, exc, {"expert": "experts"})
        else:
            messages.success(request, _("The experts have been asked."))
            return redirect("calls:topic_detail", pk=pk)
    return render(request, "calls/opinion_request_form.html", {"form": form, "topic": topic})


@login_required
@require_http_methods(["GET", "POST"])
def opinion_answer(request, pk):
    opinion = get_object_or_404(selectors.opinions_for_user(request.user), pk=pk)
    if not permissions.can_give_opinion(request.user, opinion):
        raise Http404
    form = OpinionForm(request.POST or None, instance=opinion)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_opinion(
                ExpertOpinion.objects.get(pk=opinion.pk),
                by=request.user,
                stance=form.cleaned_data["stance"],
                text=form.cleaned_data["text"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Thank you: your opinion is recorded."))
            return redirect("calls:topic_detail", pk=opinion.topic_id)
    return render(request, "calls/opinion_form.html", {"form": form, "opinion": opinion})


# -- Partnership Plans -------------------------------------------------------------------------------


@login_required
def plan_list(request):
    _officer_required(request.user)
    q = request.GET.get("q", "").strip()
    plans = selectors.plans_for_user(request.user, search=q)
    return render(request, "calls/plan_list.html", {"page": _page(request, plans), "q": q})


@login_required
def plan_detail(request, pk):
    plan = get_object_or_404(selectors.plans_for_user(request.user), pk=pk)
    versions = list(selectors.plan_versions_for_user(request.user, plan=plan))
    selectors.attach_approvals(versions)
    for version in versions:
        version.can_approve = permissions.can_approve_plan_version(request.user, version)
    diff = []
    if len(versions) > 1:
        by_number = {v.number: v for v in versions}
        try:
            old_n = int(request.GET.get("from", versions[1].number))
            new_n = int(request.GET.get("to", versions[0].number))
        except ValueError:
            old_n, new_n = versions[1].number, versions[0].number
        if old_n in by_number and new_n in by_number:
            diff = services.diff_plan_versions(by_number[old_n], by_number[new_n])
        else:
            old_n, new_n = versions[1].number, versions[0].number
            diff = services.diff_plan_versions(by_number[old_n], by_number[new_n])
    else:
        old_n = new_n = None
    return render(
        request,
        "calls/plan_detail.html",
        {"plan": plan, "versions": versions, "diff": diff, "diff_from": old_n, "diff_to": new_n},
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_create(request):
    if not permissions.can_create_plan(request.user):
        raise PermissionDenied
    form = PlanForm(request.POST or None, initial=PlanForm.defaults())
    if request.method == "POST" and form.is_valid():
        try:
            version = services.create_plan(
                by=request.user, name=form.cleaned_data["name"], **form.version_data()
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The plan has been created as version 1; both Sides approve it."))
            return redirect("calls:plan_detail", pk=version.plan_id)
    return render(request, "calls/plan_form.html", {"form": form, "plan": None})


@login_required
@require_http_methods(["GET", "POST"])
def plan_new_version(request, pk):
    plan = get_object_or_404(selectors.plans_for_user(request.user), pk=pk)
    if not permissions.can_edit_plan(request.user, plan):
        raise PermissionDenied
    latest = selectors.plan_versions_for_user(request.user, plan=plan).first()
    form = PlanForm(
        request.POST or None, with_name=False, initial=PlanForm.initial_from(services.version_data(latest))
    )
    if request.method == "POST" and form.is_valid():
        try:
            version = services.new_plan_version(plan, by=request.user, **form.version_data())
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request, _("Version %(n)s has been created; both Sides approve it.") % {"n": version.number}
            )
            return redirect("calls:plan_detail", pk=plan.pk)
    return render(request, "calls/plan_form.html", {"form": form, "plan": plan, "latest": latest})


@login_required
@require_http_methods(["GET", "POST"])
def plan_version_approve(request, pk):
    _officer_required(request.user)
    version = get_object_or_404(PlanVersion.objects.select_related("plan"), pk=pk)
    if not permissions.can_approve_plan_version(request.user, version):
        raise PermissionDenied
    form = CommentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.approve_plan_version(
                version, by=request.user, comment=form.cleaned_data["comment"]
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Version %(n)s is in force.") % {"n": version.number}
                if version.in_force_since
                else _("Your Side's approval is recorded; the other Side approves next."),
            )
            return redirect("calls:plan_detail", pk=version.plan_id)
    return render(
        request,
        "calls/confirm.html",
        {
            "form": form,
            "title": _("Approve version %(n)s of “%(plan)s”")
            % {"n": version.number, "plan": version.plan.name},
            "object": version,
            "cancel_url": reverse("calls:plan_detail", args=[version.plan_id]),
            "button": _("Approve for my Side"),
        },
    )
