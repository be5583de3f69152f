"""Permission-filtered reads of proposals. Detail views take their object from these querysets, so a
proposal someone may not see is a 404 for them."""

from __future__ import annotations

from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from .enums import ProposalState
from .models import (
    Annex,
    ConsortiumMember,
    Partner,
    Proposal,
    ProposalGroupObjectPermission,
    ProposalUserObjectPermission,
    Submission,
)


def _visible_ids(user):
    """Proposals the user is a member of, or holds ``view_proposal`` on (directly or through a group:
    officers of both Sides after the call closed, evaluators once assigned)."""
    member = ConsortiumMember.objects.filter(user=user).values("proposal_id")
    direct = ProposalUserObjectPermission.objects.filter(
        user=user, permission__codename="view_proposal"
    ).values("content_object_id")
    grouped = ProposalGroupObjectPermission.objects.filter(
        group__user=user, permission__codename="view_proposal"
    ).values("content_object_id")
    return Q(pk__in=member) | Q(pk__in=direct) | Q(pk__in=grouped)


def proposals_for_user(user, call=None, *, search: str = "") -> QuerySet[Proposal]:
    """The proposals ``user`` may see: the consortium's own, and after the deadline those granted to
    the officers of both Sides and to assigned evaluators. Nothing for anonymous users."""
    if not user or not user.is_authenticated:
        return Proposal.objects.none()
    qs = Proposal.objects.filter(_visible_ids(user))
    if call is not None:
        qs = qs.filter(call=call)
    if search:
        # icontains works for Japanese text too (no word boundaries needed).
        qs = qs.filter(
            Q(number__icontains=search)
            | Q(acronym__icontains=search)
            | Q(title__icontains=search)
            | Q(abstract__icontains=search)
            | Q(keywords__icontains=search)
            | Q(partners__pi_name__icontains=search)
            | Q(partners__organisation__name__icontains=search)
        ).distinct()
    return (
        qs.select_related("call")
        .annotate(
            # A correlated subquery, not a join with GROUP BY: the page's count and LIMIT stay cheap
            # however many proposals the user sees.
            partner_count=Coalesce(
                Subquery(
                    Partner.objects.filter(proposal=OuterRef("pk"))
                    .order_by()
                    .values("proposal")
                    .annotate(n=Count("pk"))
                    .values("n"),
                    output_field=IntegerField(),
                ),
                0,
            ),
            is_member=Exists(ConsortiumMember.objects.filter(proposal=OuterRef("pk"), user=user)),
        )
        .order_by("-call__deadline", "number")
    )


def proposal_detail_queryset(user) -> QuerySet[Proposal]:
    """One proposal with everything its pages show, in a fixed number of queries."""
    return proposals_for_user(user).prefetch_related(
        "topics",
        Prefetch("partners", queryset=Partner.objects.select_related("organisation", "side")),
        Prefetch("members", queryset=ConsortiumMember.objects.select_related("user", "side")),
        Prefetch("annexes", queryset=Annex.objects.filter(removed_at__isnull=True)),
        Prefetch("submissions", queryset=Submission.objects.order_by("-version")),
    )


def officer_proposals_for_call(user, call, *, search: str = "") -> QuerySet[Proposal]:
    """What an officer lists for a call: the proposals granted to them (after the deadline)."""
    return (
        proposals_for_user(user, call, search=search)
        .exclude(state__in=[ProposalState.DRAFT])
        # One call: its deadline is the same on every row, so the number alone orders the page (and
        # the unique index on number serves it).
        .order_by("number")
        .prefetch_related(
            Prefetch("partners", queryset=Partner.objects.select_related("organisation", "side"))
        )
    )


def annexes_for_user(user) -> QuerySet[Annex]:
    return Annex.objects.filter(proposal__in=proposals_for_user(user).values("pk")).select_related(
        "proposal", "proposal__call"
    )


def submissions_for_user(user) -> QuerySet[Submission]:
    return Submission.objects.filter(proposal__in=proposals_for_user(user).values("pk")).select_related(
        "proposal", "proposal__call", "submitted_by"
    )


def partners_for_user(user) -> QuerySet[Partner]:
    return Partner.objects.filter(proposal__in=proposals_for_user(user).values("pk")).select_related(
        "organisation", "side", "proposal"
    )
