"""The letter's own state and the writes of its governance records (the letter, sections III and IV).

``new_calls_allowed`` and ``discontinuation_notice`` are asked by the other apps (publishing a call,
the banner of every page); the rest are the services of the LoI record, discontinuation, divergences
of opinion and the disclosure register. Every write checks its predicate and is audited."""

from __future__ import annotations

import datetime as dt

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Min, Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from . import clock
from .governance_models import (
    DIVERGENCE_LINKABLE,
    DIVERGENCE_TRANSITIONS,
    NOTICE_PERIOD,
    DisclosureAudience,
    DisclosurePermission,
    DiscontinuationDecision,
    DiscontinuationNotice,
    Divergence,
    DivergenceLink,
    DivergencePosition,
    DivergenceState,
    Signature,
)
from .permissions import (
    can_approve_discontinuation_decision,
    can_escalate_divergence,
    can_give_discontinuation_notice,
    can_manage_governance,
    can_propose_discontinuation_decision,
    can_resolve_divergence,
    can_write_divergence_position,
)
from .services import approve, audit
from .timezones import TOKYO

BOTH = ("EU", "JP")

# -- the letter's state, asked by the other apps -----------------------------------------------------


def effective_on(notice: DiscontinuationNotice, earliest_agreed: dt.date | None = None) -> dt.date:
    """90 days after the notice, or the earlier date both Sides agreed in a mutual written decision."""
    end = notice.given_on + NOTICE_PERIOD
    if earliest_agreed is not None and earliest_agreed < end:
        return earliest_agreed
    return end


def effective_instant(day: dt.date) -> dt.datetime:
    """A date takes effect when it begins in Tokyo, the earlier of the two Sides' days, so that no
    call is published on the effective date anywhere."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=TOKYO)


def notices_with_effective_dates():
    """Every notice (one query), each with ``effective_on`` set: the earliest date it takes effect."""
    notices = list(
        DiscontinuationNotice.objects.select_related("side").annotate(
            earliest_agreed=Min("decisions__effective_on", filter=Q(decisions__agreed_at__isnull=False))
        )
    )
    for notice in notices:
        notice.effective_on = effective_on(notice, notice.earliest_agreed)
    return sorted(notices, key=lambda n: (n.effective_on, n.pk))


def discontinuation_effective_at() -> dt.datetime | None:
    notices = notices_with_effective_dates()
    return effective_instant(notices[0].effective_on) if notices else None


def new_calls_allowed(at: dt.datetime | None = None) -> bool:
    """False from the effective date of a Side's discontinuation: no new call may be published."""
    effective = discontinuation_effective_at()
    return effective is None or (at or clock.now()) < effective


def discontinuation_notice(at: dt.datetime | None = None) -> str:
    """The notice running calls show once a discontinuation is known, or ""."""
    notices = notices_with_effective_dates()
    if not notices:
        return ""
    first = notices[0]
    values = {
        "side": first.side.get_code_display(),
        "given": formats.date_format(first.given_on, "DATE_FORMAT"),
        "effective": formats.date_format(first.effective_on, "DATE_FORMAT"),
    }
    if (at or clock.now()) >= effective_instant(first.effective_on):
        return (
            _(
                "%(side)s discontinued its participation in the Letter of Intent with effect from "
                "%(effective)s. No new call can be published; running calls continue."
            )
            % values
        )
    return (
        _(
            "%(side)s gave written notice on %(given)s that it discontinues its participation in the "
            "Letter of Intent, with effect from %(effective)s. No new call can be published from that date."
        )
        % values
    )


# -- the LoI record ----------------------------------------------------------------------------------


@transaction.atomic
def record_notification_receipt(signature: Signature, *, received_on: dt.date, by) -> Signature:
    """Record the date the notification of ``signature`` was received (operational date input)."""
    if not can_manage_governance(by):
        raise PermissionDenied
    if received_on < signature.signed_on:
        raise ValidationError(
            {"notification_received_on": _("A notification cannot be received before the signature.")}
        )
    signature.notification_received_on = received_on
    signature.save(update_fields=["notification_received_on"])
    audit("loi.notification_received", by=by, obj=signature, received_on=received_on.isoformat())
    return signature


# -- discontinuation ---------------------------------------------------------------------------------


def _checked_document(document):
    """A signed document, checked by content like every upload (proposals/annexes.py); refused on
    the ``document`` field before anything is stored. Stored under a generated name."""
    if not document:
        return ""
    from proposals.annexes import checked_pdf

    checked_pdf(document, field="document")
    document.seek(0)
    return document


@transaction.atomic
def give_discontinuation_notice(
    *, given_on: dt.date, text: str, by, document=None, sensitivity: str | None = None
) -> DiscontinuationNotice:
    """Record the written notice of the officer's Side that it discontinues its participation."""
    if not can_give_discontinuation_notice(by):
        raise PermissionDenied
    if not text.strip():
        raise ValidationError({"text": _("Write the text of the notice.")})
    notice = DiscontinuationNotice(
        side=by.side, given_on=given_on, text=text, document=_checked_document(document), recorded_by=by
    )
    if sensitivity:
        notice.sensitivity = sensitivity
    notice.full_clean()
    notice.save()
    audit("discontinuation.notice", by=by, obj=notice, sides=BOTH, given_on=given_on.isoformat())
    return notice


@transaction.atomic
def propose_discontinuation_decision(
    notice: DiscontinuationNotice, *, effective_on: dt.date, text: str, by, document=None
) -> DiscontinuationDecision:
    """Propose a mutual written decision for an earlier effective date; the proposer's Side approves
    it at once, the other Side approves with ``approve_discontinuation_decision``."""
    notice = DiscontinuationNotice.objects.select_for_update().get(pk=notice.pk)
    if not can_propose_discontinuation_decision(by, notice):
        raise PermissionDenied
    if effective_on >= notice.notice_period_ends_on:
        raise ValidationError(
            {
                "effective_on": _("A mutual decision can only bring the date forward, before %(end)s.")
                % {"end": notice.notice_period_ends_on.isoformat()}
            }
        )
    if effective_on < notice.given_on:
        raise ValidationError({"effective_on": _("The date cannot be before the notice was given.")})
    if not text.strip():
        raise ValidationError({"text": _("Write the text of the decision.")})
    decision = DiscontinuationDecision(
        notice=notice,
        effective_on=effective_on,
        text=text,
        document=_checked_document(document),
        proposed_by=by,
    )
    decision.full_clean()
    decision.save()
    audit("discontinuation.decision_proposed", by=by, obj=decision, effective_on=effective_on.isoformat())
    approve(decision, "1", by=by)
    return decision


@transaction.atomic
def approve_discontinuation_decision(decision: DiscontinuationDecision, *, by) -> DiscontinuationDecision:
    """The other Side's approval; once both Sides approved, the decision is agreed (``agreed_at``)."""
    DiscontinuationNotice.objects.select_for_update().get(pk=decision.notice_id)
    decision = DiscontinuationDecision.objects.select_related("notice").get(pk=decision.pk)
    if not can_approve_discontinuation_decision(by, decision):
        raise PermissionDenied
    _approval, both = approve(decision, "1", by=by)
    if both:
        decision.agreed_at = timezone.now()
        decision.save(update_fields=["agreed_at"])
        audit("discontinuation.decision_agreed", by=by, obj=decision)
    return decision


# -- divergences of opinion ---------------------------------------------------------------------------


def _link_label(obj) -> str:
    return f"{obj._meta.verbose_name}: {obj}"[:255]


@transaction.atomic
def open_divergence(subject: str, *, by, linked=None, description: str = "") -> Divergence:
    """Open a divergence of opinion between the Sides about ``linked`` objects (topics, plans, calls,
    proposals). Only programme officers may; only programme officers of both Sides will see it."""
    if not can_manage_governance(by):
        raise PermissionDenied
    if not subject.strip():
        raise ValidationError({"subject": _("Name the subject of the divergence.")})
    linked = list(linked or [])
    for obj in linked:
        if obj._meta.label_lower not in DIVERGENCE_LINKABLE:
            raise ValidationError(
                {"linked": _("A divergence can be about a topic, a plan, a call or a proposal.")}
            )
    divergence = Divergence.objects.create(subject=subject.strip(), description=description, opened_by=by)
    for obj in linked:
        DivergenceLink.objects.get_or_create(
            divergence=divergence,
            content_type=ContentType.objects.get_for_model(obj),
            object_id=obj.pk,
            defaults={"label": _link_label(obj)},
        )
    audit("divergence.open", by=by, obj=divergence, sides=BOTH, linked=[_link_label(o) for o in linked])
    return divergence


def linkable_object(kind: str, pk: int):
    """The topic, plan, call or proposal named ``kind`` ("calls.topic", ...) and ``pk``, or None."""
    if kind not in DIVERGENCE_LINKABLE:
        return None
    model = apps.get_model(kind)
    return model._default_manager.filter(pk=pk).first()


@transaction.atomic
def write_divergence_position(divergence: Divergence, *, text: str, by) -> DivergencePosition:
    """Write (or rewrite) the written position of the officer's own Side."""
    divergence = Divergence.objects.select_for_update().get(pk=divergence.pk)
    if not can_write_divergence_position(by, divergence):
        raise PermissionDenied
    if not text.strip():
        raise ValidationError({"text": _("Write your Side's position.")})
    position, created = DivergencePosition.objects.update_or_create(
        divergence=divergence, side=by.side, defaults={"text": text, "written_by": by}
    )
    audit("divergence.position", by=by, obj=divergence, sides=BOTH, side=by.side.code, created=created)
    return position


def transition_divergence(divergence: Divergence, to: str, *, by, **fields) -> Divergence:
    """The only code that writes ``Divergence.state``: checks the transition table, writes the
    fields of the step and records it in the audit log. Callers lock the row."""
    if to not in DIVERGENCE_TRANSITIONS[divergence.state]:
        raise ValidationError(
            _("A divergence that is %(state)s cannot become %(to)s.")
            % {"state": divergence.get_state_display(), "to": DivergenceState(to).label}
        )
    previous = divergence.state
    divergence.state = to
    for name, value in fields.items():
        setattr(divergence, name, value)
    divergence.save(update_fields=["state", *fields])
    audit("divergence.state", by=by, obj=divergence, sides=BOTH, previous=previous, to=to)
    return divergence


@transaction.atomic
def escalate_divergence(
    divergence: Divergence, *, escalated_on: dt.date, escalated_to: str, by
) -> Divergence:
    """Present the divergence at Deputy Director General (or equivalent) level."""
    divergence = Divergence.objects.select_for_update().get(pk=divergence.pk)
    if not can_escalate_divergence(by, divergence):
        raise PermissionDenied
    if not escalated_to.strip():
        raise ValidationError({"escalated_to": _("Name who it was presented to.")})
    return transition_divergence(
        divergence,
        DivergenceState.ESCALATED,
        by=by,
        escalated_on=escalated_on,
        escalated_to=escalated_to.strip(),
        escalated_by=by,
    )


@transaction.atomic
def resolve_divergence(divergence: Divergence, *, resolution: str, resolved_on: dt.date, by) -> Divergence:
    divergence = Divergence.objects.select_for_update().get(pk=divergence.pk)
    if not can_resolve_divergence(by, divergence):
        raise PermissionDenied
    if not resolution.strip():
        raise ValidationError({"resolution": _("Write how the divergence was resolved.")})
    return transition_divergence(
        divergence,
        DivergenceState.RESOLVED,
        by=by,
        resolution=resolution.strip(),
        resolved_on=resolved_on,
        resolved_by=by,
    )


# -- the disclosure register -------------------------------------------------------------------------


@transaction.atomic
def record_disclosure_permission(
    subject,
    *,
    what: str,
    provided_by,
    audience: str,
    permitted_on: dt.date,
    by,
    to_side=None,
    third_party: str = "",
    permission_text: str = "",
    document=None,
) -> DisclosurePermission:
    """Record a participant's written permission to disclose ``subject`` beyond its audience."""
    if not can_manage_governance(by):
        raise PermissionDenied
    errors = {}
    if audience == DisclosureAudience.OTHER_SIDE and to_side is None:
        errors["to_side"] = _("Choose the Side that may receive it.")
    if audience == DisclosureAudience.THIRD_PARTY and not third_party.strip():
        errors["third_party"] = _("Name the third party, for example the Digital Partnership Council.")
    if not permission_text.strip() and not document:
        errors["permission_text"] = _("Copy the text of the permission or upload the signed document.")
    if errors:
        raise ValidationError(errors)
    document = _checked_document(document)
    permission = DisclosurePermission(
        content_type=ContentType.objects.get_for_model(subject),
        object_id=subject.pk,
        what=what or str(subject)[:255],
        provided_by=provided_by,
        audience=audience,
        to_side=to_side if audience == DisclosureAudience.OTHER_SIDE else None,
        third_party=third_party.strip() if audience == DisclosureAudience.THIRD_PARTY else "",
        permitted_on=permitted_on,
        permission_text=permission_text,
        document=document,
        recorded_by=by,
    )
    permission.full_clean()
    permission.save()
    audit(
        "disclosure.record",
        by=by,
        obj=permission,
        sides=BOTH,
        subject=f"{subject._meta.label_lower}#{subject.pk}",
        to=permission.recipient,
    )
    return permission
