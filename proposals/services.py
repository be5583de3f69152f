"""Writes and transitions of proposals: drafting, partners, annexes, submission, withdrawal.

``transition_proposal`` is the only code that writes ``Proposal.state``."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from loi_portal.services import audit

from .enums import ProposalState
from .models import Proposal

ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    ProposalState.DRAFT: {ProposalState.SUBMITTED, ProposalState.WITHDRAWN, ProposalState.NOT_SUBMITTED},
    ProposalState.SUBMITTED: {
        ProposalState.WITHDRAWN,
        ProposalState.UNDER_EVALUATION,
        ProposalState.INELIGIBLE,
    },
    ProposalState.WITHDRAWN: {ProposalState.DRAFT, ProposalState.NOT_SUBMITTED},
    ProposalState.NOT_SUBMITTED: set(),
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


def on_call_closed(call, *, by=None) -> None:
    """Called by the call's closing transition, in its transaction: locks drafts (never-submitted
    proposals become NOT_SUBMITTED) and fixes the last submission before the deadline as the one
    evaluated. Filled in by the proposals capability."""
