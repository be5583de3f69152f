"""Writes of the framework: audit log, roles, accounts, object permissions and dual approvals.

Every app records through these functions, so there is one audit trail and one approval mechanism."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm
from rest_framework.authtoken.models import Token

from .enums import Role
from .models import Approval, AuditEntry, Organisation, Side, SideRole, User
from .signals import role_revoked

logger = logging.getLogger(__name__)

_current_ip: dict[str, str | None] = {"ip": None}


def set_request_ip(ip: str | None) -> None:
    """Called by middleware so services can record where an action came from without a request."""
    _current_ip["ip"] = ip


def audit(
    action: str,
    *,
    by: User | None,
    obj: models.Model | None = None,
    sides: Iterable[str] = ("EU", "JP"),
    **details,
) -> AuditEntry:
    """Append one line to the audit log. ``sides`` says whose officers may read it."""
    return AuditEntry.objects.create(
        actor_id=by.pk if by else None,
        actor_name=by.get_username() if by else "system",
        actor_side=(by.side.code if by and by.side_id else ""),
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:255] if obj is not None else "",
        visible_to=",".join(sorted(set(sides))),
        ip_address=_current_ip["ip"],
        details=details,
    )


# -- roles and accounts ------------------------------------------------------------------------------


def side_role_group(side: Side, role: str) -> Group:
    side_role = SideRole.objects.select_related("group").filter(side=side, role=role).first()
    if side_role is None:
        group, _created = Group.objects.get_or_create(name=f"{side.code} {role}")
        side_role = SideRole.objects.create(side=side, role=role, group=group)
    return side_role.group


@transaction.atomic
def grant_role(user: User, role: str, *, by: User | None) -> None:
    """Make ``user`` hold ``role`` on their own Side."""
    if user.side_id is None and role != Role.ADMINISTRATOR:
        raise ValidationError(_("A user needs a Side before they can hold a role."))
    if role == Role.ADMINISTRATOR:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        audit("role.grant", by=by, obj=user, role=role)
        return
    user.groups.add(side_role_group(user.side, role))
    user.__dict__.pop("roles", None)
    audit("role.grant", by=by, obj=user, sides=[user.side.code], role=role)


@transaction.atomic
@transaction.atomic
def revoke_role(user: User, role: str, *, by: User | None) -> None:
    """Ends ``role`` for ``user`` and every access it gave, at once: the apps above end what hangs on
    the role (``role_revoked``; evaluation ends the evaluator's open assignments and their grants),
    and the user's API tokens are revoked for a privileged role, so a client already holding one is
    refused from its next request."""
    held = False
    if user.side_id:
        group = side_role_group(user.side, role)
        held = user.groups.filter(pk=group.pk).exists()
        user.groups.remove(group)
    user.__dict__.pop("roles", None)
    audit("role.revoke", by=by, obj=user, sides=[user.side.code] if user.side_id else ("EU", "JP"), role=role)
    if held and role in PRIVILEGED_ROLES:
        revoke_tokens(user, by=by)
    role_revoked.send(sender=User, user=user, role=role, by=by)


@transaction.atomic
def register_researcher(
    *,
    username: str,
    email: str,
    password: str,
    first_name: str,
    last_name: str,
    organisation: Organisation,
    language: str = "en",
) -> User:
    """Self-registration: the researcher's Side is that of their organisation."""
    user = User(
        username=username,
        email=email.lower(),
        first_name=first_name,
        last_name=last_name,
        organisation=organisation,
        side=organisation.side,
        language=language,
    )
    user.set_password(password)
    user.save()
    grant_role(user, Role.RESEARCHER, by=None)
    audit("account.register", by=user, obj=user, sides=[user.side.code])
    return user


@transaction.atomic
def invite_user(
    *,
    email: str,
    role: str,
    by: User,
    first_name: str = "",
    last_name: str = "",
    organisation: Organisation | None = None,
) -> User:
    """An officer invites an officer, expert, evaluator or observer of their own Side.

    A new address gets an account with no usable password, the role, and an e-mail with the link to
    set a password. An account that has a password already is not given the role: self-registration
    never proves who owns the address, so that address gets a link to confirm the role instead, and
    the role is granted only when the account holder follows it (``confirm_role``). Returns the
    account; ``user.has_role(role)`` says whether the role was granted now."""
    from .notifications import send_invitation, send_role_confirmation
    from .permissions import can_invite

    if not can_invite(by, role):
        raise ValidationError(_("Only a programme officer can invite people, and only to their own Side."))
    if organisation is not None and organisation.side_id != by.side_id:
        raise ValidationError({"organisation": _("The organisation must belong to your Side.")})
    email = email.lower()
    user = User.objects.filter(email=email).first()
    if user is not None and user.side_id != by.side_id:
        raise ValidationError({"email": _("This person belongs to the other Side.")})
    if user is not None and user.has_usable_password():
        if user.has_role(role):
            raise ValidationError({"email": _("This person already holds this role.")})
        audit("account.invite", by=by, obj=user, sides=[by.side.code], role=role, confirmation="sent")
        send_role_confirmation(user, role=role, link_token=role_confirmation_token(user, role, by=by), by=by)
        return user
    if user is None:
        user = User(
            username=email,
            email=email,
            first_name=first_name,
            last_name=last_name,
            side=by.side,
            organisation=organisation,
        )
        user.set_unusable_password()
        user.save()
    # No usable password (a new or a pending invitation): only the holder of the address can enter
    # the account, through the mailed link, so the role can be granted at once.
    if not user.has_role(role):
        grant_role(user, role, by=by)
    audit("account.invite", by=by, obj=user, sides=[by.side.code], role=role)
    send_invitation(user, role=role)
    return user


# A role offered to an existing account travels in a signed link that expires like the password
# link of an invitation. It carries the id of the last audit line that granted or revoked that role
# for that account: the audit log is append-only, so a used link, or one overtaken by a later grant
# or revocation, never works again.
ROLE_CONFIRMATION_SALT = "loi_portal.role_confirmation"


@dataclass(frozen=True)
class RoleConfirmation:
    user: User
    role: str
    invited_by: User


def _last_role_change(user: User, role: str) -> int:
    return (
        AuditEntry.objects.filter(
            object_type=User._meta.label_lower,
            object_id=str(user.pk),
            action__in=("role.grant", "role.revoke"),
            details__role=role,
        )
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
        or 0
    )


def role_confirmation_token(user: User, role: str, *, by: User) -> str:
    payload = {"user": user.pk, "role": str(role), "by": by.pk, "last": _last_role_change(user, role)}
    return signing.dumps(payload, salt=ROLE_CONFIRMATION_SALT, compress=True)


def read_role_confirmation(token: str) -> RoleConfirmation:
    """What a role-confirmation link offers, or ValidationError when it is forged, expired, used, or
    overtaken: the role granted or revoked since, the inviter no longer an officer of that Side."""
    from .permissions import can_invite

    invalid = ValidationError(
        _("This confirmation link is invalid or has expired. Ask the programme officer to invite you again."),
        code="invalid",
    )
    try:
        data = signing.loads(token, salt=ROLE_CONFIRMATION_SALT, max_age=settings.PASSWORD_RESET_TIMEOUT)
    except signing.BadSignature as exc:  # SignatureExpired is one too
        raise invalid from exc
    if not isinstance(data, dict):
        raise invalid
    user = User.objects.select_related("side").filter(pk=data.get("user"), is_active=True).first()
    inviter = User.objects.filter(pk=data.get("by"), is_active=True).first()
    role = data.get("role")
    if (
        user is None
        or inviter is None
        or not can_invite(inviter, role)
        or inviter.side_id != user.side_id
        or user.has_role(role)
        or _last_role_change(user, role) != data.get("last")
    ):
        raise invalid
    return RoleConfirmation(user=user, role=role, invited_by=inviter)


@transaction.atomic
def confirm_role(token: str, *, by: User) -> RoleConfirmation:
    """The account holder accepts the role an officer offered their existing account. Only the
    account the link was sent to can accept it (PermissionDenied for any other); the role is granted
    in the inviter's name and the confirmation is in the audit log."""
    # Locks the account, so two clicks at the same moment grant once and the second finds the link used.
    User.objects.select_for_update().filter(pk=by.pk).first()
    confirmation = read_role_confirmation(token)
    if confirmation.user.pk != by.pk:
        raise PermissionDenied(_("This link was sent to another account."))
    grant_role(by, confirmation.role, by=confirmation.invited_by)
    audit(
        "role.confirm",
        by=by,
        obj=by,
        sides=[by.side.code],
        role=confirmation.role,
        invited_by=confirmation.invited_by.get_username(),
    )
    return confirmation


# -- object permissions ------------------------------------------------------------------------------


def grant(perm: str, who, obj: models.Model, *, by: User | None = None) -> None:
    """Grant an object permission (to a user or a group) and record it in the audit log."""
    assign_perm(perm, who, obj)
    audit("permission.grant", by=by, obj=obj, perm=perm, to=str(who))


def revoke(perm: str, who, obj: models.Model, *, by: User | None = None) -> None:
    remove_perm(perm, who, obj)
    audit("permission.revoke", by=by, obj=obj, perm=perm, to=str(who))


# -- dual approvals ----------------------------------------------------------------------------------


def approvals_of(obj: models.Model, version: str | int | None = None):
    qs = Approval.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
    ).select_related("side", "approved_by")
    if version is not None:
        qs = qs.filter(version=str(version))
    return qs


def approved_sides(obj: models.Model, version: str | int) -> set[str]:
    return set(approvals_of(obj, version).values_list("side__code", flat=True))


def is_approved_by_both(obj: models.Model, version: str | int) -> bool:
    return approved_sides(obj, version) >= {"EU", "JP"}


@transaction.atomic
def approve(obj: models.Model, version: str | int, *, by: User, comment: str = "") -> tuple[Approval, bool]:
    """Record the approval of ``version`` of ``obj`` by the approver's Side.

    Returns the approval and whether both Sides have now approved that version. The caller locks the
    parent row first, so two officers approving at the same moment serialise; the unique constraint
    keeps one approval per Side and version even without that lock."""
    if by.side_id is None or not by.is_officer:
        raise ValidationError(_("Only a programme officer of a Side can approve."))
    existing = approvals_of(obj, version).filter(side_id=by.side_id).first()
    if existing is not None:
        raise ValidationError(_("Your Side has already approved this version."))
    try:
        with transaction.atomic():
            approval = Approval.objects.create(
                content_type=ContentType.objects.get_for_model(obj),
                object_id=obj.pk,
                version=str(version),
                side=by.side,
                approved_by=by,
                comment=comment,
            )
    except IntegrityError as exc:
        raise ValidationError(_("Your Side has already approved this version.")) from exc
    audit("approval", by=by, obj=obj, version=str(version))
    return approval, is_approved_by_both(obj, version)


# -- API tokens --------------------------------------------------------------------------------------

# Roles whose API tokens end with the role (a researcher's token stays theirs after a role ends).
PRIVILEGED_ROLES = (Role.OFFICER, Role.EVALUATOR, Role.OBSERVER, Role.EXPERT)


def revoke_tokens(user: User, *, by: User | None = None) -> int:
    """Deletes every API token ``user`` holds, so a client signed in with one is refused at once.

    Returns how many tokens were revoked, and records it in the audit log."""
    revoked, _details = Token.objects.filter(user=user).delete()
    if revoked:
        audit("api_tokens.revoked", by=by, obj=user, count=revoked)
    return revoked
