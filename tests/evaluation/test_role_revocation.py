"""Revoking an evaluator's role ends every access it gave, at once: the assignment, the grant on the
proposal, the pages, the API and the API token already handed out."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from evaluation.enums import AssignmentState
from loi_portal.enums import Role
from loi_portal.models import AuditEntry
from loi_portal.models_operations import OutboxMessage
from loi_portal.services import revoke_role, revoke_tokens
from tests.factories import make_assignment, make_call_in_evaluation, make_review, make_user, side_evaluation

from .conftest import EU_PASS

pytestmark = pytest.mark.django_db


@pytest.fixture
def assigned(eu_officer):
    _call, (proposal,) = make_call_in_evaluation(1)
    evaluator = make_user("EU", "evaluator")
    assignment = make_assignment(side_evaluation(proposal, "EU"), evaluator, officer=eu_officer)
    review = make_review(assignment, EU_PASS, submit=False)
    return proposal, evaluator, assignment, review


def _api(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def test_revoked_evaluator_loses_the_proposal_pages_api_and_token_at_once(assigned, eu_officer, client_for):
    proposal, evaluator, assignment, _review = assigned
    api = _api(evaluator)
    web = client_for(evaluator)
    assert api.get(f"/api/v1/proposals/{proposal.pk}/").status_code == 200
    assert web.get(reverse("evaluation:review", args=[assignment.pk])).status_code == 200

    revoke_role(evaluator, Role.EVALUATOR, by=eu_officer)

    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.REMOVED
    assert not evaluator.has_perm("proposals.view_proposal", proposal)
    refused = api.get(f"/api/v1/proposals/{proposal.pk}/")
    assert refused.status_code == 403  # the token no longer exists (the API answers 403, never 401)
    assert proposal.title not in refused.content.decode()
    assert web.get(reverse("evaluation:review", args=[assignment.pk])).status_code in (403, 404)
    assert _api(evaluator).get(f"/api/v1/proposals/{proposal.pk}/").status_code == 404


def test_the_sides_officers_are_told_to_reassign_once(assigned, eu_officer, jp_officer):
    proposal, evaluator, _assignment, _review = assigned
    revoke_role(evaluator, Role.EVALUATOR, by=eu_officer)
    revoke_role(evaluator, Role.EVALUATOR, by=eu_officer)
    told = OutboxMessage.objects.filter(event="evaluation.assignment_ended")
    addresses = list(told.values_list("to_address", flat=True))
    assert eu_officer.email in addresses
    assert jp_officer.email not in addresses
    assert len(addresses) == len(set(addresses))
    assert all(proposal.number in subject for subject in told.values_list("subject", flat=True))


def test_revoking_another_role_leaves_assignments_alone(assigned, eu_officer):
    _proposal, evaluator, assignment, _review = assigned
    revoke_role(evaluator, Role.EXPERT, by=eu_officer)
    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.ACTIVE


def test_a_researcher_keeps_their_token_when_another_role_ends(eu_researcher, eu_officer):
    token = Token.objects.create(user=eu_researcher)
    revoke_role(eu_researcher, Role.EVALUATOR, by=eu_officer)
    assert Token.objects.filter(pk=token.pk).exists()


def test_revoking_tokens_is_audited_only_when_there_were_some(eu_researcher):
    assert revoke_tokens(eu_researcher) == 0
    assert not AuditEntry.objects.filter(action="api_tokens.revoked").exists()
    Token.objects.create(user=eu_researcher)
    assert revoke_tokens(eu_researcher) == 1
    assert AuditEntry.objects.filter(action="api_tokens.revoked", object_id=str(eu_researcher.pk)).exists()
