"""Predicates of the framework: ``can_<verb>(user, obj) -> bool``."""

from .enums import INVITABLE_ROLES, Role


def is_officer_of(user, side_id: int | None) -> bool:
    return bool(user.is_authenticated and user.side_id and user.side_id == side_id and user.is_officer)


def can_invite(user, role: str) -> bool:
    return bool(user.is_authenticated and user.side_id and user.is_officer and role in INVITABLE_ROLES)


def can_read_audit_log(user) -> bool:
    return bool(user.is_authenticated and user.side_id and user.has_role(Role.OFFICER))
