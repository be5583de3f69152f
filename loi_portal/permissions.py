"""Predicates of the framework: ``can_<verb>(user, obj) -> bool``."""

from .enums import INVITABLE_ROLES, Role


def is_officer_of(user, side_id: int | None) -> bool:
    return bool(user.is_authenticated and user.side_id and user.side_id == side_id and user.is_officer)


def can_invite(user, role: str) -> bool:
    return bool(user.is_authenticated and user.side_id and user.is_officer and role in INVITABLE_ROLES)


def can_read_audit_log(user) -> bool:
    return bool(user.is_authenticated and user.side_id and user.has_role(Role.OFFICER))


# -- the letter's governance records: programme officers of both Sides, nobody else ------------------


def can_manage_governance(user) -> bool:
    """Read and write the LoI record, discontinuation, divergences and the disclosure register.
    Role-based on purpose: these records are joint to both Sides' officers (no object grants)."""
    return bool(user.is_authenticated and user.side_id and user.is_officer)


def can_give_discontinuation_notice(user) -> bool:
    return can_manage_governance(user)


def can_propose_discontinuation_decision(user, notice) -> bool:
    return can_manage_governance(user) and not notice.decisions.filter(agreed_at__isnull=False).exists()


def can_approve_discontinuation_decision(user, decision) -> bool:
    from .services import approved_sides

    return (
        can_manage_governance(user)
        and decision.agreed_at is None
        and user.side.code not in approved_sides(decision, "1")
    )


def can_write_divergence_position(user, divergence) -> bool:
    return can_manage_governance(user) and divergence.state != "resolved"


def can_escalate_divergence(user, divergence) -> bool:
    return can_manage_governance(user) and divergence.state == "open"


def can_resolve_divergence(user, divergence) -> bool:
    return can_manage_governance(user) and divergence.state != "resolved"
