"""Reads of the calls app that depend on who asks. Detail views take their object from these
querysets, so something hidden is a 404."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, Q, QuerySet
from guardian.shortcuts import get_objects_for_user

from loi_portal.models import Approval

from .enums import PUBLIC_STATES
from .models import (
    Call,
    CallBudget,
    CallDocument,
    DeadlineChange,
    ExpertOpinion,
    PartnershipPlan,
    PlanVersion,
    Topic,
)


def _is_officer(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.side_id and user.is_officer)


def attach_approvals(objects, *, attr: str = "approval_list") -> None:
    """Give each object the list of its approvals (all versions) in one query."""
    objects = list(objects)
    if not objects:
        return
    content_type = ContentType.objects.get_for_model(objects[0])
    by_id: dict[int, list] = {obj.pk: [] for obj in objects}
    approvals = Approval.objects.filter(content_type=content_type, object_id__in=by_id).select_related(
        "side", "approved_by"
    )
    for approval in approvals:
        by_id[approval.object_id].append(approval)
    for obj in objects:
        setattr(obj, attr, by_id[obj.pk])


# -- topics ------------------------------------------------------------------------------------------


def topics_for_user(user, *, search: str = "", agreed: bool | None = None) -> QuerySet[Topic]:
    """Officers of both Sides: every topic. Experts: the topics they were asked about (guardian's
    ``calls.view_topic``). Everyone else, signed in or not: only the agreed topics of public calls."""
    qs = Topic.objects.select_related("proposed_by", "proposing_side")
    if not _is_officer(user):
        public = Q(is_agreed=True, calls__state__in=PUBLIC_STATES)
        if user is not None and user.is_authenticated and user.is_expert:
            granted = get_objects_for_user(
                user, "calls.view_topic", klass=Topic, accept_global_perms=False, with_superuser=False
            ).values("pk")
            visible = Q(pk__in=granted) | public
        else:
            visible = public
        qs = qs.filter(pk__in=Topic.objects.filter(visible).values("pk"))
    if search:
        qs = qs.filter(Q(title__icontains=search) | Q(description__icontains=search))
    if agreed is not None:
        qs = qs.filter(is_agreed=agreed)
    return qs.order_by("-created_at", "-pk")


def opinions_for_user(user, *, topic: Topic | None = None) -> QuerySet[ExpertOpinion]:
    """Officers of both Sides read every opinion; an expert only their own."""
    qs = ExpertOpinion.objects.select_related(
        "topic", "expert", "expert__side", "requested_by", "requested_by__side"
    )
    if topic is not None:
        qs = qs.filter(topic=topic)
    if _is_officer(user):
        return qs
    if user is not None and user.is_authenticated:
        return qs.filter(expert=user)
    return qs.none()


# -- Partnership Plans -------------------------------------------------------------------------------


def plans_for_user(user, *, search: str = "") -> QuerySet[PartnershipPlan]:
    """Plans are the officers' working documents; nobody else reads them here."""
    if not _is_officer(user):
        return PartnershipPlan.objects.none()
    qs = PartnershipPlan.objects.select_related("created_by").prefetch_related(
        Prefetch("versions", queryset=PlanVersion.objects.order_by("-number"))
    )
    if search:
        qs = qs.filter(name__icontains=search)
    return qs.order_by("-created_at", "-pk")


def plan_versions_for_user(user, *, plan: PartnershipPlan | None = None) -> QuerySet[PlanVersion]:
    if not _is_officer(user):
        return PlanVersion.objects.none()
    qs = PlanVersion.objects.select_related("plan", "created_by").prefetch_related(
        "side_terms__side", "side_terms__criteria"
    )
    if plan is not None:
        qs = qs.filter(plan=plan)
    return qs.order_by("plan_id", "-number")


def in_force_plan_versions() -> QuerySet[PlanVersion]:
    return (
        PlanVersion.objects.filter(in_force_since__isnull=False)
        .select_related("plan")
        .order_by("plan__name", "-number")
    )


# -- calls -------------------------------------------------------------------------------------------


def _call_queryset() -> QuerySet[Call]:
    return Call.objects.select_related("plan_version", "plan_version__plan").prefetch_related(
        Prefetch("budgets", queryset=CallBudget.objects.select_related("side").order_by("side__code")),
        Prefetch("topics", queryset=Topic.objects.order_by("title")),
    )


def public_calls(*, search: str = "") -> QuerySet[Call]:
    """Calls anyone may browse, signed in or not."""
    qs = _call_queryset().filter(state__in=PUBLIC_STATES)
    if search:
        qs = qs.filter(Q(title__icontains=search) | Q(identifier__icontains=search))
    return qs.order_by("-deadline", "-pk")


def calls_for_user(user, *, search: str = "", state: str = "") -> QuerySet[Call]:
    """Officers of both Sides see every call, drafts included; everyone else the public ones."""
    qs = _call_queryset()
    if not _is_officer(user):
        qs = qs.filter(state__in=PUBLIC_STATES)
    if search:
        qs = qs.filter(Q(title__icontains=search) | Q(identifier__icontains=search))
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("-deadline", "-pk")


def call_documents_for_user(user, *, call: Call | None = None) -> QuerySet[CallDocument]:
    """A call's documents are seen by whoever may see the call: everyone once it is published,
    officers of both Sides while it is a draft."""
    qs = CallDocument.objects.select_related("call")
    if not _is_officer(user):
        qs = qs.filter(call__state__in=PUBLIC_STATES)
    if call is not None:
        qs = qs.filter(call=call)
    return qs


def deadline_changes_for_user(user, *, call: Call | None = None) -> QuerySet[DeadlineChange]:
    """Requests to move a deadline: officers see all; the public the applied ones of public calls."""
    qs = DeadlineChange.objects.select_related("call", "requested_by")
    if call is not None:
        qs = qs.filter(call=call)
    if not _is_officer(user):
        qs = qs.filter(applied_at__isnull=False, call__state__in=PUBLIC_STATES)
    return qs.order_by("-requested_at", "-pk")
