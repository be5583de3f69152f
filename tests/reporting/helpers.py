"""Builders of reporting's test data: selected, funded proposals and their projects."""

import datetime as dt

from calls.enums import CallState
from evaluation.models import FundingDecision
from proposals.enums import ProposalState
from proposals.models import ConsortiumMember
from reporting import services
from tests.factories import make_call, make_proposal, make_user


def make_selected_proposal(*, call=None, coordinator=None, jp_coordinator=None, funded=True, **kwargs):
    """A proposal that went through evaluation and was selected, with each Side's funding decision."""
    call = call or make_call(state=CallState.AWARDED)
    coordinator = coordinator or make_user("EU", "researcher")
    proposal = make_proposal(call=call, coordinator=coordinator, **kwargs)
    jp_coordinator = jp_coordinator or make_user("JP", "researcher")
    ConsortiumMember.objects.create(
        proposal=proposal, user=jp_coordinator, side=jp_coordinator.side, role="coordinator"
    )
    # Fixture shortcut: the proposal reaches SELECTED through the one transition function.
    for state in (ProposalState.SUBMITTED, ProposalState.UNDER_EVALUATION, ProposalState.SELECTED):
        services_transition(proposal, state)
    if funded:
        officer = make_user("EU", "officer")
        for partner in proposal.partners.select_related("side"):
            FundingDecision.objects.create(
                call=call,
                proposal=proposal,
                partner=partner,
                side=partner.side,
                amount_minor=partner.requested_minor,
                decided_by=officer,
            )
    return proposal


def services_transition(proposal, state):
    from proposals.services import transition_proposal

    transition_proposal(proposal, state, by=None)


def make_project(officer=None, **kwargs):
    officer = officer or make_user("EU", "officer")
    start = kwargs.pop("start_date", dt.date(2026, 4, 1))
    proposal = make_selected_proposal(**kwargs)
    return services.create_project(proposal, by=officer, start_date=start)


def coordinators(project):
    members = project.proposal.members.filter(role="coordinator").select_related("user")
    return {m.side.code: m.user for m in members}


def make_public(project, *, by):
    """Record a participant's written permission to disclose ``project`` to the Council, then make it
    public (the letter's section III.1 asks for both, in that order)."""
    from loi_portal.governance import record_disclosure_permission

    record_disclosure_permission(
        project,
        what="Project outcomes",
        provided_by=project.proposal.partners.first().organisation,
        audience="third_party",
        third_party="Digital Partnership Council",
        permitted_on=dt.date(2026, 6, 1),
        permission_text="We agree that our project is reported to the Digital Partnership Council.",
        by=by,
    )
    return services.set_project_sensitivity(project, "public", by=by)
