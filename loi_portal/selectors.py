"""Reads of the framework that depend on who asks: the governance records, the audit log, and
whether a record may be disclosed to an audience."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch

from .enums import Sensitivity, SideCode
from .governance_models import (
    DisclosureAudience,
    DisclosurePermission,
    DiscontinuationDecision,
    DiscontinuationNotice,
    Divergence,
    DivergencePosition,
    LetterOfIntent,
    Signature,
)
from .models import AuditEntry
from .permissions import can_manage_governance, can_read_audit_log

# Audiences ``may_disclose`` knows besides a third party's name.
PUBLIC = "public"
JOINT = "joint"  # both Sides' programme officers
SIDE_AUDIENCES = (SideCode.EU, SideCode.JP)  # one Side's programme officers


def letter_for_user(user) -> LetterOfIntent | None:
    """The letter with its signatures (the record is public)."""
    return (
        LetterOfIntent.objects.prefetch_related(
            Prefetch("signatures", queryset=Signature.objects.select_related("side"))
        )
        .order_by("pk")
        .first()
    )


def discontinuation_notices_for_user(user):
    if not can_manage_governance(user):
        return DiscontinuationNotice.objects.none()
    return DiscontinuationNotice.objects.select_related("side", "recorded_by").prefetch_related(
        Prefetch("decisions", queryset=DiscontinuationDecision.objects.select_related("proposed_by"))
    )


def discontinuation_decisions_for_user(user):
    if not can_manage_governance(user):
        return DiscontinuationDecision.objects.none()
    return DiscontinuationDecision.objects.select_related("notice", "notice__side", "proposed_by")


def divergences_for_user(user):
    """Programme officers of both Sides see every divergence; everybody else sees none."""
    if not can_manage_governance(user):
        return Divergence.objects.none()
    return Divergence.objects.select_related("opened_by", "escalated_by", "resolved_by").prefetch_related(
        "links",
        Prefetch("positions", queryset=DivergencePosition.objects.select_related("side", "written_by")),
    )


def disclosure_permissions_for_user(user):
    if not can_manage_governance(user):
        return DisclosurePermission.objects.none()
    return DisclosurePermission.objects.select_related(
        "content_type", "provided_by", "to_side", "recorded_by"
    )


def audit_entries_for_user(user):
    """An officer's Side's part of the audit log; nothing for anybody else."""
    if not can_read_audit_log(user):
        return AuditEntry.objects.none()
    return AuditEntry.objects.filter(visible_to__contains=user.side.code)


def owner_side_code(obj) -> str | None:
    """The Side a record belongs to: its ``side`` (or ``sensitivity_side``), when it has one."""
    for name in ("sensitivity_side", "side"):
        side = getattr(obj, name, None)
        if side is not None and hasattr(side, "code"):
            return side.code
    return None


def _recorded_permission(obj, audience: str) -> bool:
    permissions = DisclosurePermission.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
    )
    if audience in SIDE_AUDIENCES:
        return permissions.filter(audience=DisclosureAudience.OTHER_SIDE, to_side__code=audience).exists()
    if audience == JOINT:
        owner = owner_side_code(obj)
        other = {"EU": "JP", "JP": "EU"}.get(owner or "")
        return (
            bool(other)
            and permissions.filter(audience=DisclosureAudience.OTHER_SIDE, to_side__code=other).exists()
        )
    return permissions.filter(audience=DisclosureAudience.THIRD_PARTY, third_party__iexact=audience).exists()


def may_disclose(obj, audience: str) -> bool:
    """May ``obj`` be shown to ``audience``: "public", "joint" (both Sides' officers), "EU" or "JP"
    (that Side's officers), or the name of a third party ("Digital Partnership Council")?

    Public records always; joint records to either or both Sides' officers; a Side-internal record to
    its own Side's officers. Beyond that only with a permission recorded in the disclosure register.
    A record without a ``sensitivity`` counts as restricted."""
    sensitivity = getattr(obj, "sensitivity", Sensitivity.RESTRICTED)
    if sensitivity == Sensitivity.PUBLIC:
        return True
    if sensitivity == Sensitivity.JOINT and audience in (JOINT, *SIDE_AUDIENCES):
        return True
    if sensitivity == Sensitivity.SIDE and audience in SIDE_AUDIENCES and audience == owner_side_code(obj):
        return True
    if audience == PUBLIC or getattr(obj, "pk", None) is None:
        return False
    return _recorded_permission(obj, audience)
