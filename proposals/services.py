"""Writes and transitions of proposals: drafting, consortium, partners, annexes, submission, withdrawal,
late-submission exceptions and the closing of a call.

``transition_proposal`` is the only code that writes one ``Proposal.state``; ``_transition_many`` is
its bulk form for the closing of a call (same table, same audit trail, one query per step).

The deadline is judged by ``server_now()``, which reads the DATABASE clock (``clock_timestamp()``)
inside the submitting transaction, after the proposal and call rows are locked: every web server and
worker agrees on one clock, and no request can slip in between reading the time and writing the
version. Tests move this clock by patching ``server_now`` (time-machine travels Python's clock, the
database's cannot be travelled), and also check the real database clock a second either side."""

from __future__ import annotations

import datetime as dt

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import connection, transaction
from django.db.models import F, Max, Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from calls.enums import CallState
from calls.models import Call, CallBudget
from loi_portal import clock
from loi_portal.models import AuditEntry, Side, User, content_hash
from loi_portal.notifications import notify
from loi_portal.services import approve, audit, grant, revoke, side_role_group
from loi_portal.timezones import BRUSSELS, TOKYO, UTC

from .annexes import inspect_pdf, uploaded_name
from .enums import EDITABLE_STATES, AnnexKind, MemberRole, ProposalState
from .models import (
    Annex,
    ConsortiumMember,
    LateSubmissionException,
    Partner,
    Proposal,
    ProposalGroupObjectPermission,
    Submission,
)

MEMBER_PERMS = ("view_proposal", "change_proposal")
# Where a late-submission exception both Sides approved lets a proposal in.
LATE_SUBMISSION_CALL_STATES = (CallState.OPEN, CallState.CLOSED, CallState.UNDER_EVALUATION)


class EditConflict(Exception):
    """Someone saved the object since the editor loaded it (stale ``lock_version``)."""

    def __init__(self, message: str | None = None, *, current_version: int | None = None):
        super().__init__(
            message
            or _("Someone else saved this proposal while you were editing. Reload it, then redo your change.")
        )
        self.current_version = current_version


def server_now() -> dt.datetime:
    """The database server's clock (``loi_portal.clock.now``): the single clock that decides the
    deadline."""
    return clock.now()


ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    ProposalState.DRAFT: {ProposalState.SUBMITTED, ProposalState.WITHDRAWN, ProposalState.NOT_SUBMITTED},
    ProposalState.SUBMITTED: {
        ProposalState.WITHDRAWN,
        ProposalState.UNDER_EVALUATION,
        ProposalState.INELIGIBLE,
    },
    ProposalState.WITHDRAWN: {ProposalState.DRAFT, ProposalState.NOT_SUBMITTED},
    # Only through a late-submission exception both Sides approved (see submit_proposal).
    ProposalState.NOT_SUBMITTED: {ProposalState.SUBMITTED},
    ProposalState.UNDER_EVALUATION: {
        ProposalState.INELIGIBLE,
        ProposalState.SELECTED,
        ProposalState.RESERVE,
        ProposalState.NOT_SELECTED,
    },
    ProposalState.INELIGIBLE: {ProposalState.UNDER_EVALUATION},
    ProposalState.SELECTED: {ProposalState.RESERVE, ProposalState.NOT_SELECTED},
    ProposalState.RESERVE: {ProposalState.SELECTED, ProposalState.NOT_SELECTED},
    ProposalState.NOT_SELECTED: {ProposalState.SELECTED, ProposalState.RESERVE},
}


@transaction.atomic
def transition_proposal(proposal: Proposal, to: str, *, by, reason: str = "") -> Proposal:
    """The only code that writes ``Proposal.state``: locks the row, checks ALLOWED_TRANSITIONS and
    records the change in the audit log. Callers check who may act (permissions.py) before."""
    locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if to == locked.state:
        return locked
    if to not in ALLOWED_TRANSITIONS.get(locked.state, set()):
        raise ValidationError(
            _("A proposal in state “%(from)s” cannot become “%(to)s”.")
            % {"from": locked.get_state_display(), "to": ProposalState(to).label}
        )
    previous = locked.state
    locked.state = to
    locked.save(update_fields=["state", "updated_at"])
    audit("proposal.state", by=by, obj=locked, old=previous, new=to, reason=reason)
    proposal.state = to
    return locked


def _transition_many(queryset, to: str, *, by, reason: str = "") -> list[int]:
    """Bulk form of ``transition_proposal`` for the closing of a call: moves every row of
    ``queryset`` whose state allows ``to``, with one audit line per proposal, in one UPDATE."""
    sources = [state for state, targets in ALLOWED_TRANSITIONS.items() if to in targets]
    rows = list(queryset.select_for_update().filter(state__in=sources).values_list("pk", "number", "state"))
    if not rows:
        return []
    Proposal.objects.filter(pk__in=[pk for pk, _n, _s in rows]).update(state=to, updated_at=timezone.now())
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                actor_id=by.pk if by else None,
                actor_name=by.get_username() if by else "system",
                actor_side=(by.side.code if by and by.side_id else ""),
                action="proposal.state",
                object_type=Proposal._meta.label_lower,
                object_id=str(pk),
                object_repr=number[:255],
                visible_to="EU,JP",
                details={"old": old, "new": to, "reason": reason},
            )
            for pk, number, old in rows
        ]
    )
    return [pk for pk, _n, _s in rows]


# -- reading rules shared by services, predicates and views ---------------------------------------------


def call_is_open(call: Call, *, now: dt.datetime | None = None) -> bool:
    now = now or server_now()
    return call.state == CallState.OPEN and now <= call.deadline


def deadline_message(call: Call, user) -> str:
    zone = getattr(user, "effective_time_zone", None) or UTC
    local = call.deadline.astimezone(zone)
    return _("The deadline of this call was %(deadline)s (%(zone)s); submissions are closed.") % {
        "deadline": formats.date_format(local, "Y-m-d H:i:s"),
        "zone": str(zone),
    }


def _member_of(proposal: Proposal, user) -> ConsortiumMember | None:
    if not user or not user.is_authenticated:
        return None
    return proposal.members.filter(user=user).first()


def _require_editable(proposal: Proposal, user) -> None:
    if _member_of(proposal, user) is None:
        raise ValidationError(_("Only members of the consortium can change this proposal."))
    if proposal.state not in EDITABLE_STATES:
        raise ValidationError(
            _("This proposal is %(state)s and can no longer be changed.")
            % {"state": proposal.get_state_display()}
        )
    if not call_is_open(proposal.call, now=server_now()):
        raise ValidationError(_("The call is closed: the proposal is read-only."))


def _bump(proposal: Proposal, lock_version: int | None) -> None:
    """Compare-and-set on ``lock_version``: refuses a save that started from an older version."""
    qs = Proposal.objects.filter(pk=proposal.pk)
    if lock_version is not None:
        qs = qs.filter(lock_version=lock_version)
    if not qs.update(lock_version=F("lock_version") + 1, updated_at=timezone.now()):
        current = Proposal.objects.filter(pk=proposal.pk).values_list("lock_version", flat=True).first()
        raise EditConflict(current_version=current)
    proposal.lock_version = Proposal.objects.values_list("lock_version", flat=True).get(pk=proposal.pk)


# -- drafting ---------------------------------------------------------------------------------------------


def _next_number(call: Call) -> str:
    """``<call identifier>-0001``: the caller holds the call row lock, so two starts cannot collide."""
    prefix = f"{call.identifier}-"
    numbers = Proposal.objects.filter(call=call, number__startswith=prefix).values_list("number", flat=True)
    highest = 0
    for number in numbers:
        tail = number[len(prefix) :]
        if tail.isdigit():
            highest = max(highest, int(tail))
    return f"{prefix}{highest + 1:04d}"


def _grant_member(proposal: Proposal, user: User, *, by) -> None:
    for perm in MEMBER_PERMS:
        grant(perm, user, proposal, by=by)


@transaction.atomic
def start_proposal(
    call: Call, *, by: User, acronym: str, title: str, abstract: str = "", keywords: str = "", topics=()
) -> Proposal:
    """A researcher starts a draft on an open call and becomes coordinator of their Side."""
    if not by.is_authenticated or not by.is_researcher or not by.side_id:
        raise ValidationError(_("Only a signed-in researcher of a Side can start a proposal."))
    locked_call = Call.objects.select_for_update().get(pk=call.pk)
    if not call_is_open(locked_call, now=server_now()):
        raise ValidationError(_("This call is not open for proposals."))
    topics = list(topics)
    allowed = set(locked_call.topics.values_list("pk", flat=True))
    if any(t.pk not in allowed for t in topics):
        raise ValidationError({"topics": [_("Choose only topics of this call.")]})
    proposal = Proposal(
        call=locked_call,
        number=_next_number(locked_call),
        acronym=acronym,
        title=title,
        abstract=abstract,
        keywords=keywords,
        created_by=by,
    )
    proposal.full_clean(exclude=["topics"])
    proposal.save()
    proposal.topics.set(topics)
    ConsortiumMember.objects.create(
        proposal=proposal, user=by, side=by.side, role=MemberRole.COORDINATOR, joined_at=timezone.now()
    )
    _grant_member(proposal, by, by=by)
    audit("proposal.start", by=by, obj=proposal, sides=[by.side.code])
    return proposal


PROPOSAL_FIELDS = ("acronym", "title", "abstract", "keywords")


@transaction.atomic
def update_proposal(
    proposal: Proposal, *, by: User, lock_version: int | None, topics=None, **fields
) -> Proposal:
    """Save the proposal's own fields. ``lock_version`` is the version the editor started from: a
    stale one raises ``EditConflict`` and nothing is written."""
    locked = Proposal.objects.select_for_update().select_related("call").get(pk=proposal.pk)
    _require_editable(locked, by)
    if lock_version is not None and locked.lock_version != lock_version:
        raise EditConflict(current_version=locked.lock_version)
    unknown = set(fields) - set(PROPOSAL_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed here.")] for name in unknown})
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.full_clean(exclude=["topics", "call", "created_by"])
    if topics is not None:
        topics = list(topics)
        allowed = set(locked.call.topics.values_list("pk", flat=True))
        if any(t.pk not in allowed for t in topics):
            raise ValidationError({"topics": [_("Choose only topics of this call.")]})
    locked.lock_version += 1
    locked.save(update_fields=[*fields.keys(), "lock_version", "updated_at"])
    if topics is not None:
        locked.topics.set(topics)
    audit("proposal.update", by=by, obj=locked, sides=_proposal_sides(locked), fields=sorted(fields))
    proposal.__dict__.update({k: getattr(locked, k) for k in (*fields.keys(), "lock_version", "updated_at")})
    return locked


def _proposal_sides(proposal: Proposal) -> list[str]:
    return sorted(set(proposal.members.values_list("side__code", flat=True))) or ["EU", "JP"]


@transaction.atomic
def delete_draft(proposal: Proposal, *, by: User) -> None:
    """A never-submitted draft may be deleted by its coordinators."""
    locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
    member = _member_of(locked, by)
    if member is None or member.role != MemberRole.COORDINATOR:
        raise ValidationError(_("Only a coordinator can delete the draft."))
    if locked.state != ProposalState.DRAFT or locked.submitted_version:
        raise ValidationError(_("Only a draft that was never submitted can be deleted."))
    audit("proposal.delete", by=by, obj=locked, sides=_proposal_sides(locked))
    Annex.objects.filter(proposal=locked).delete()
    locked.delete()


# -- consortium ---------------------------------------------------------------------------------------------


@transaction.atomic
def invite_co_applicant(proposal: Proposal, *, by: User, email: str) -> ConsortiumMember:
    """A member invites a co-applicant by e-mail; the link carries the invitation's secret token."""
    locked = Proposal.objects.select_for_update().select_related("call").get(pk=proposal.pk)
    _require_editable(locked, by)
    email = email.strip().lower()
    if locked.members.filter(Q(user__email__iexact=email) | Q(invited_email__iexact=email)).exists():
        raise ValidationError({"email": [_("This person is already in the consortium or invited.")]})
    member = ConsortiumMember.objects.create(
        proposal=locked, side=by.side, role=MemberRole.CO_APPLICANT, invited_email=email, invited_by=by
    )
    from django.urls import reverse

    link = settings.SITE_URL.rstrip("/") + reverse(
        "proposals:accept_invitation", args=[member.invitation_token]
    )
    recipient = User.objects.filter(email__iexact=email).first() or email
    notify(
        [recipient],
        "proposal_invitation",
        {"proposal": locked, "inviter": by, "link": link},
        event="proposal.invite",
        dedupe_key=f"proposal-invite-{member.pk}",
    )
    audit("proposal.invite", by=by, obj=locked, sides=_proposal_sides(locked), email=email)
    return member


@transaction.atomic
def accept_invitation(token, *, by: User) -> ConsortiumMember:
    """The signed-in invitee joins; the first member of a Side without a coordinator becomes it."""
    member = (
        ConsortiumMember.objects.select_for_update().filter(invitation_token=token, user__isnull=True).first()
    )
    if member is None:
        raise ValidationError(_("This invitation is not valid or has already been used."))
    if not by.is_authenticated or not by.side_id:
        raise ValidationError(_("Sign in with an account of a Side to accept the invitation."))
    if by.email.lower() != member.invited_email.lower():
        raise ValidationError(_("This invitation was sent to another e-mail address."))
    proposal = Proposal.objects.select_for_update().get(pk=member.proposal_id)
    if proposal.members.filter(user=by).exists():
        raise ValidationError(_("You are already a member of this consortium."))
    member.user = by
    member.side = by.side
    member.joined_at = timezone.now()
    has_coordinator = proposal.members.filter(side=by.side, role=MemberRole.COORDINATOR).exists()
    member.role = MemberRole.CO_APPLICANT if has_coordinator else MemberRole.COORDINATOR
    member.save(update_fields=["user", "side", "joined_at", "role"])
    _grant_member(proposal, by, by=by)
    audit("proposal.join", by=by, obj=proposal, sides=_proposal_sides(proposal), role=member.role)
    return member


@transaction.atomic
def remove_member(member: ConsortiumMember, *, by: User) -> None:
    """A coordinator removes a member (or a member leaves); their object permissions are revoked."""
    proposal = Proposal.objects.select_for_update().get(pk=member.proposal_id)
    actor = _member_of(proposal, by)
    if actor is None or (actor.role != MemberRole.COORDINATOR and actor.pk != member.pk):
        raise ValidationError(_("Only a coordinator can remove a member."))
    if member.role == MemberRole.COORDINATOR and member.user_id == proposal.created_by_id:
        raise ValidationError(_("The proposal's first coordinator cannot be removed."))
    if member.user_id:
        for perm in MEMBER_PERMS:
            revoke(perm, member.user, proposal, by=by)
    audit("proposal.member_remove", by=by, obj=proposal, sides=_proposal_sides(proposal), member=str(member))
    member.delete()


# -- partners -----------------------------------------------------------------------------------------------


def _check_partner(partner: Partner) -> None:
    if partner.organisation_id and partner.side_id != partner.organisation.side_id:
        raise ValidationError(
            {"side": [_("A partner requests money only from its own Side: the Side of its organisation.")]}
        )
    if partner.side_id and partner.side.code != "JP" and partner.erad_id:
        raise ValidationError({"erad_id": [_("Only Japanese partners have an e-Rad application ID.")]})
    partner.pi_email = partner.pi_email.strip().lower()
    partner.country = partner.country.upper()


PARTNER_FIELDS = (
    "organisation",
    "country",
    "pi_name",
    "pi_email",
    "role",
    "requested_minor",
    "erad_id",
    "order",
)


@transaction.atomic
def save_partner(
    proposal: Proposal, *, by: User, partner: Partner | None = None, lock_version: int | None = None, **fields
) -> Partner:
    """Add a partner or change one. The Side is always the organisation's: the requested budget is
    in that Side's currency and from that Side only. Bumps the proposal's lock_version."""
    locked = Proposal.objects.select_for_update().select_related("call").get(pk=proposal.pk)
    _require_editable(locked, by)
    if lock_version is not None and locked.lock_version != lock_version:
        raise EditConflict(current_version=locked.lock_version)
    unknown = set(fields) - set(PARTNER_FIELDS) - {"side"}
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed here.")] for name in unknown})
    if partner is None:
        partner = Partner(proposal=locked)
    elif partner.proposal_id != locked.pk:
        raise ValidationError(_("This partner belongs to another proposal."))
    requested_side = fields.pop("side", None)
    for name, value in fields.items():
        setattr(partner, name, value)
    if partner.organisation_id:
        if (
            requested_side is not None
            and getattr(requested_side, "pk", requested_side) != partner.organisation.side_id
        ):
            raise ValidationError(
                {
                    "side": [
                        _("A partner requests money only from its own Side: the Side of its organisation.")
                    ]
                }
            )
        partner.side_id = partner.organisation.side_id
        if not partner.country:
            partner.country = partner.organisation.country
    _check_partner(partner)
    partner.full_clean(exclude=["proposal"])
    created = partner.pk is None
    partner.save()
    _bump(locked, None)
    proposal.lock_version = locked.lock_version
    audit(
        "proposal.partner_add" if created else "proposal.partner_change",
        by=by,
        obj=locked,
        sides=_proposal_sides(locked),
        partner=str(partner),
    )
    return partner


@transaction.atomic
def delete_partner(partner: Partner, *, by: User, lock_version: int | None = None) -> None:
    locked = Proposal.objects.select_for_update().select_related("call").get(pk=partner.proposal_id)
    _require_editable(locked, by)
    if lock_version is not None and locked.lock_version != lock_version:
        raise EditConflict(current_version=locked.lock_version)
    audit("proposal.partner_remove", by=by, obj=locked, sides=_proposal_sides(locked), partner=str(partner))
    partner.delete()
    _bump(locked, None)


# -- annexes ------------------------------------------------------------------------------------------------


def _technical_pages(proposal: Proposal) -> int:
    return sum(
        proposal.annexes.filter(removed_at__isnull=True, kind=AnnexKind.TECHNICAL).values_list(
            "pages", flat=True
        )
    )


def add_annex(proposal: Proposal, *, by: User, file, kind: str = AnnexKind.TECHNICAL) -> Annex:
    """Check an uploaded file by content (see annexes.py) and store it under a generated name.

    On any refusal nothing is kept: no row, no file."""
    if kind not in AnnexKind.values:
        raise ValidationError({"kind": [_("Choose a valid kind of annex.")]})
    try:
        facts = inspect_pdf(file)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from exc
    stored_name = None
    try:
        with transaction.atomic():
            locked = Proposal.objects.select_for_update().select_related("call").get(pk=proposal.pk)
            _require_editable(locked, by)
            limit = locked.call.page_limit
            if facts.pages > limit:
                raise ValidationError(
                    {
                        "file": [
                            _("This PDF has %(pages)d pages; the call allows %(limit)d.")
                            % {"pages": facts.pages, "limit": limit}
                        ]
                    }
                )
            if kind == AnnexKind.TECHNICAL and _technical_pages(locked) + facts.pages > limit:
                raise ValidationError(
                    {
                        "file": [
                            _(
                                "With this PDF the technical annexes would have %(pages)d pages; "
                                "the call allows %(limit)d."
                            )
                            % {"pages": _technical_pages(locked) + facts.pages, "limit": limit}
                        ]
                    }
                )
            original = uploaded_name(file, "annex.pdf")
            annex = Annex(
                proposal=locked,
                kind=kind,
                original_name=original,
                size=facts.size,
                pages=facts.pages,
                sha256=facts.sha256,
                uploaded_by=by,
            )
            file.seek(0)
            annex.file.save("annex.pdf", File(file), save=False)
            stored_name = annex.file.name
            annex.save()
            _bump(locked, None)
            proposal.lock_version = locked.lock_version
            audit(
                "proposal.annex_add",
                by=by,
                obj=locked,
                sides=_proposal_sides(locked),
                annex=annex.pk,
                sha256=annex.sha256,
                kind=kind,
            )
    except BaseException:
        if stored_name:
            from django.core.files.storage import default_storage

            default_storage.delete(stored_name)
        raise
    return annex


@transaction.atomic
def remove_annex(annex: Annex, *, by: User) -> None:
    """Hide an annex from the draft; the file stays for the submissions that froze it."""
    locked = Proposal.objects.select_for_update().select_related("call").get(pk=annex.proposal_id)
    _require_editable(locked, by)
    if annex.removed_at is None:
        Annex.objects.filter(pk=annex.pk).update(removed_at=timezone.now())
        annex.removed_at = timezone.now()
        _bump(locked, None)
        audit("proposal.annex_remove", by=by, obj=locked, sides=_proposal_sides(locked), annex=annex.pk)


def record_annex_download(annex: Annex, *, by: User) -> None:
    audit("proposal.annex_download", by=by, obj=annex.proposal, annex=annex.pk, sha256=annex.sha256)


# -- checklist and submission -------------------------------------------------------------------------------


def submission_blockers(proposal: Proposal) -> list[str]:
    """What still prevents submission, in words an applicant understands (empty when ready)."""
    call = proposal.call
    blockers: list[str] = []
    for name in ("acronym", "title", "abstract"):
        if not (getattr(proposal, name) or "").strip():
            blockers.append(
                _("The %(field)s is missing.") % {"field": Proposal._meta.get_field(name).verbose_name}
            )
    if not proposal.topics.exists():
        blockers.append(_("Choose at least one topic of the call."))
    partners = list(proposal.partners.select_related("side"))
    budgets = {b.side_id: b for b in CallBudget.objects.filter(call=call).select_related("side")}
    for side in Side.objects.all():
        of_side = [p for p in partners if p.side_id == side.pk]
        if len(of_side) < call.min_participants_per_side:
            blockers.append(
                _("At least %(n)d partner(s) established in %(side)s are needed.")
                % {"n": call.min_participants_per_side, "side": side.name}
            )
        total = sum(p.requested_minor for p in of_side)
        budget = budgets.get(side.pk)
        if budget is not None and total > budget.per_proposal_cap_minor:
            from loi_portal.money import format_amount

            blockers.append(
                _("The budget requested from %(side)s (%(total)s) exceeds the cap per proposal (%(cap)s).")
                % {
                    "side": side.name,
                    "total": format_amount(total, side.currency),
                    "cap": format_amount(budget.per_proposal_cap_minor, side.currency),
                }
            )
    annexes = list(proposal.annexes.filter(removed_at__isnull=True))
    if not any(a.kind == AnnexKind.TECHNICAL for a in annexes):
        blockers.append(_("Upload at least one technical annex (PDF)."))
    pages = sum(a.pages for a in annexes if a.kind == AnnexKind.TECHNICAL)
    if pages > call.page_limit:
        blockers.append(
            _("The technical annexes have %(pages)d pages; the call allows %(limit)d.")
            % {"pages": pages, "limit": call.page_limit}
        )
    return blockers


def build_snapshot(proposal: Proposal, annexes: list[Annex]) -> dict:
    """The frozen content of a submission: JSON only, so its SHA-256 is stable."""
    partners = proposal.partners.select_related("organisation", "side").order_by("order", "pk")
    return {
        "proposal": {
            "number": proposal.number,
            "call": proposal.call.identifier,
            "acronym": proposal.acronym,
            "title": proposal.title,
            "abstract": proposal.abstract,
            "keywords": proposal.keywords,
            "topics": sorted(proposal.topics.values_list("title", flat=True)),
        },
        "partners": [
            {
                "organisation": p.organisation.name,
                "side": p.side.code,
                "country": p.country,
                "pi_name": p.pi_name,
                "pi_email": p.pi_email,
                "role": p.role,
                "requested_minor": p.requested_minor,
                "currency": p.side.currency,
                "erad_id": p.erad_id,
            }
            for p in partners
        ],
        "annexes": [
            {"kind": a.kind, "name": a.original_name, "pages": a.pages, "size": a.size, "sha256": a.sha256}
            for a in annexes
        ],
    }


def _usable_late_exception(proposal: Proposal, now: dt.datetime) -> LateSubmissionException | None:
    return (
        LateSubmissionException.objects.filter(
            proposal=proposal, approved_at__isnull=False, expires_at__gt=now
        )
        .order_by("-expires_at")
        .first()
    )


def coordinators(proposal: Proposal) -> list[User]:
    return [
        m.user
        for m in proposal.members.filter(role=MemberRole.COORDINATOR, user__isnull=False).select_related(
            "user__side"
        )
    ]


def _call_shared_lock(call_id: int) -> Call:
    """The call row under FOR SHARE: closing the call or moving its deadline (FOR UPDATE) waits for
    the submissions in flight and they wait for it, but submissions do not queue behind each other
    (at the deadline hundreds arrive together). SQLite (the demo) has no row locks: it serialises
    every write anyway."""
    if connection.vendor != "postgresql":
        return Call.objects.get(pk=call_id)
    return Call.objects.raw(
        f"SELECT * FROM {Call._meta.db_table} WHERE {Call._meta.pk.column} = %s FOR SHARE",  # noqa: S608
        [call_id],
    )[0]


def submit_proposal(proposal: Proposal, *, by: User) -> Submission:
    """Freeze the proposal into a new Submission and return it (the receipt).

    In ONE transaction: lock the proposal row, then the call row (shared); read the database clock; refuse
    after the deadline unless both Sides approved an unexpired exception for this proposal; write
    version = last + 1 (the row lock serialises concurrent submissions and the unique constraint
    backs it up); set ``submitted_version``; move to SUBMITTED. The receipt e-mail is queued on
    commit, so a refused or rolled-back submission sends nothing."""
    with transaction.atomic():
        locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
        call = _call_shared_lock(locked.call_id)
        locked.call = call
        if _member_of(locked, by) is None:
            raise ValidationError(_("Only members of the consortium can submit this proposal."))
        now = server_now()
        late = None
        if now > call.deadline or call.state != CallState.OPEN:
            late = _usable_late_exception(locked, now)
            if late is None or call.state in (CallState.DRAFT, CallState.PUBLISHED):
                raise ValidationError(
                    deadline_message(call, by) if now > call.deadline else _("This call is not open.")
                )
            # Closing moves the call straight on to evaluation: the exception still counts there,
            # but not once the joint selection started (the ranked lists are final).
            if call.state not in LATE_SUBMISSION_CALL_STATES:
                raise ValidationError(
                    _("The evaluation of this call has ended; a late submission is no longer possible.")
                )
        submittable = EDITABLE_STATES | ({ProposalState.NOT_SUBMITTED} if late else set())
        if locked.state not in submittable:
            raise ValidationError(
                _("This proposal is %(state)s and cannot be submitted.")
                % {"state": locked.get_state_display()}
            )
        blockers = submission_blockers(locked)
        if blockers:
            raise ValidationError(blockers)
        annexes = list(locked.annexes.filter(removed_at__isnull=True).order_by("uploaded_at", "pk"))
        snapshot = build_snapshot(locked, annexes)
        version = (locked.submissions.aggregate(m=Max("version"))["m"] or 0) + 1
        snapshot["version"] = version
        snapshot["submitted_at"] = now.astimezone(UTC).isoformat()
        submission = Submission.objects.create(
            proposal=locked,
            version=version,
            submitted_at=now,
            submitted_by=by,
            snapshot=snapshot,
            sha256=content_hash(snapshot),
            late_exception=late,
        )
        submission.annexes.set(annexes)
        Proposal.objects.filter(pk=locked.pk).update(submitted_version=version)
        locked.submitted_version = version
        if locked.state != ProposalState.SUBMITTED:
            transition_proposal(locked, ProposalState.SUBMITTED, by=by, reason=f"version {version}")
        audit(
            "proposal.submit",
            by=by,
            obj=locked,
            sides=("EU", "JP") if late else _proposal_sides(locked),
            version=version,
            sha256=submission.sha256,
        )
        if late is not None:
            if call.state != CallState.OPEN:
                # The call already closed: its officers see this proposal as they see the others.
                for side in Side.objects.all():
                    grant("view_proposal", side_role_group(side, "officer"), locked, by=by)
            if call.state == CallState.UNDER_EVALUATION:
                # Its evaluation started without this proposal: it joins both Sides' lists now
                # (a CLOSED call's start_evaluation takes it with the others).
                from evaluation.services import enter_evaluation

                enter_evaluation(locked, by=by)
            audit(
                "proposal.late_submission",
                by=by,
                obj=locked,
                sides=("EU", "JP"),
                exception=late.pk,
                version=version,
                reason=late.reason,
            )
        notify(
            coordinators(locked),
            "proposal_submitted",
            {"proposal": locked, "submission": submission, "receipt": receipt_of(submission)},
            event="proposal.submitted",
            dedupe_key=f"proposal-submitted-{locked.pk}-{version}",
        )
    proposal.state = locked.state
    proposal.submitted_version = version
    submission.proposal = locked
    return submission


def receipt_of(submission: Submission) -> dict:
    """The receipt shown on the page, in the PDF, in the e-mail and by the API."""
    at = submission.submitted_at
    return {
        "proposal_number": submission.proposal.number,
        "acronym": submission.proposal.acronym,
        "version": submission.version,
        "submitted_at_utc": at.astimezone(UTC),
        "submitted_at_tokyo": at.astimezone(TOKYO),
        "submitted_at_brussels": at.astimezone(BRUSSELS),
        "sha256": submission.sha256,
        "late": submission.late_exception_id is not None,
    }


@transaction.atomic
def withdraw_proposal(proposal: Proposal, *, by: User, reason: str = "") -> Proposal:
    """Withdraw until the deadline; withdrawn proposals are not evaluated."""
    locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
    call = Call.objects.select_for_update().get(pk=locked.call_id)
    if _member_of(locked, by) is None:
        raise ValidationError(_("Only members of the consortium can withdraw this proposal."))
    if server_now() > call.deadline:
        raise ValidationError(deadline_message(call, by))
    result = transition_proposal(locked, ProposalState.WITHDRAWN, by=by, reason=reason)
    proposal.state = result.state
    return result


# -- late-submission exceptions ------------------------------------------------------------------------------


@transaction.atomic
def request_late_exception(
    proposal: Proposal, *, by: User, reason: str, expires_at: dt.datetime
) -> LateSubmissionException:
    """An officer asks for a late submission of a named proposal (e.g. a documented outage)."""
    if not by.is_authenticated or not by.is_officer:
        raise ValidationError(_("Only a programme officer can request a late-submission exception."))
    if not reason.strip():
        raise ValidationError({"reason": [_("Give the reason for the exception.")]})
    exception = LateSubmissionException.objects.create(
        proposal=proposal, reason=reason, expires_at=expires_at, requested_by=by
    )
    audit("proposal.late_exception_request", by=by, obj=proposal, sides=("EU", "JP"), exception=exception.pk)
    return exception


@transaction.atomic
def approve_late_exception(exception: LateSubmissionException, *, by: User) -> LateSubmissionException:
    """One Side's approval through the shared dual-approval mechanism; usable once both approved."""
    locked = LateSubmissionException.objects.select_for_update().get(pk=exception.pk)
    _approval, both = approve(locked, 1, by=by)
    if both and locked.approved_at is None:
        locked.approved_at = server_now()
        locked.save(update_fields=["approved_at"])
        audit(
            "proposal.late_exception_approved",
            by=by,
            obj=locked.proposal,
            sides=("EU", "JP"),
            exception=locked.pk,
        )
    exception.approved_at = locked.approved_at
    return locked


# -- closing of the call ----------------------------------------------------------------------------------


def _running_project_emails(lowered: set[str] | None = None) -> set[str]:
    """PI e-mails of running projects, when the reporting app has a Project model with a proposal
    (only those among ``lowered``, lower-case, when given)."""
    try:
        project_model = apps.get_model("reporting", "Project")
    except LookupError:
        return set()
    if "proposal" not in {f.name for f in project_model._meta.get_fields()}:
        return set()
    from django.db.models.functions import Lower

    proposal_ids = project_model.objects.values("proposal_id")
    partners = Partner.objects.filter(proposal_id__in=proposal_ids)
    if lowered is not None:
        partners = partners.annotate(email=Lower("pi_email")).filter(email__in=lowered)
    return set(partners.values_list("pi_email", flat=True))


def duplicate_pi_emails(call: Call, *, among=None) -> set[str]:
    """PI e-mails that appear in more than one live proposal of the call or in a running project.

    ``among``: only these e-mails are looked at (a list page passes its rows' e-mails, so the
    answer costs the same whatever the size of the call)."""
    from django.db.models import Count
    from django.db.models.functions import Lower

    live = Partner.objects.filter(proposal__call=call).exclude(
        proposal__state__in=[ProposalState.WITHDRAWN, ProposalState.NOT_SUBMITTED]
    )
    lowered = None
    if among is not None:
        lowered = {e.lower() for e in among}
        live = live.annotate(email=Lower("pi_email")).filter(email__in=lowered)
    repeated = set(
        live.annotate(email=Lower("pi_email"))
        .values("email")
        .annotate(n=Count("proposal", distinct=True))
        .filter(n__gt=1)
        .values_list("email", flat=True)
    )
    running = {e.lower() for e in _running_project_emails(lowered)}
    if running:
        in_call = {e.lower() for e in live.values_list("pi_email", flat=True)}
        repeated |= in_call & running
    return repeated


def on_call_closed(call, *, by=None) -> None:
    """Called by the call's closing transition, in its transaction: never-submitted drafts become
    NOT_SUBMITTED (locked), withdrawn proposals stay withdrawn, and the officers of both Sides get
    ``view_proposal`` on every submitted one. The last submission before the deadline stays the one
    evaluated (``submitted_version``). Idempotent, and a fixed number of queries for any size."""
    with transaction.atomic():
        drafts = Proposal.objects.filter(call=call, state=ProposalState.DRAFT)
        moved = _transition_many(drafts, ProposalState.NOT_SUBMITTED, by=by, reason="call closed")
        submitted = list(
            Proposal.objects.filter(call=call, state=ProposalState.SUBMITTED).values_list("pk", flat=True)
        )
        perm = Permission.objects.get(content_type__app_label="proposals", codename="view_proposal")
        groups = [side_role_group(side, "officer") for side in Side.objects.all()]
        ProposalGroupObjectPermission.objects.bulk_create(
            [
                ProposalGroupObjectPermission(group=group, permission=perm, content_object_id=pk)
                for group in groups
                for pk in submitted
            ],
            ignore_conflicts=True,
        )
        audit(
            "proposal.call_closed",
            by=by,
            obj=call,
            locked_drafts=len(moved),
            officers_granted=len(submitted),
        )
