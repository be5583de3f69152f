"""seed_scale at a tiny size: the data set the benchmarks under bench/ measure is complete."""

import pytest
from django.core.management import call_command
from django.db.models import Count

from evaluation.models import Assignment, Consensus, ProposalEvaluation, Review
from loi_portal.models import Side
from proposals.models import (
    Annex,
    Proposal,
    ProposalGroupObjectPermission,
    ProposalUserObjectPermission,
    Submission,
)
from reporting.models import PeriodicReport, Project

pytestmark = pytest.mark.django_db


def test_seed_scale_makes_proposals_partners_reviews_and_grants(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_scale", "--proposals", "5")

    proposals = Proposal.objects.filter(call__identifier="SCALE-5")
    assert proposals.count() == 5
    partner_counts = [p.n for p in proposals.annotate(n=Count("partners"))]
    assert all(2 <= n <= 8 for n in partner_counts)
    assert Submission.objects.filter(proposal__in=proposals).count() == 5
    annexes = Annex.objects.filter(proposal__in=proposals)
    assert annexes.count() == 5
    assert len({a.file.name for a in annexes}) == 5
    assert all((tmp_path / a.file.name).read_bytes().startswith(b"%PDF") for a in annexes)

    for side in Side.objects.all():
        evaluations = ProposalEvaluation.objects.filter(proposal__in=proposals, side=side)
        assert evaluations.count() == 5
        per_proposal = evaluations.annotate(n=Count("assignments")).values_list("n", flat=True)
        assert set(per_proposal) == {3}
        assert Review.objects.filter(assignment__evaluation__in=evaluations, state="submitted").count() == 15
        assert Consensus.objects.filter(evaluation__in=evaluations, state="final").count() == 5

    # The grants the services would make: coordinators view and change, officers of both Sides and
    # every assigned evaluator view.
    for proposal in proposals:
        coordinator_perms = set(
            ProposalUserObjectPermission.objects.filter(
                content_object=proposal, user=proposal.created_by
            ).values_list("permission__codename", flat=True)
        )
        assert coordinator_perms == {"view_proposal", "change_proposal"}
        assert ProposalGroupObjectPermission.objects.filter(content_object=proposal).count() == 2
        for assignment in Assignment.objects.filter(evaluation__proposal=proposal):
            assert assignment.evaluator.has_perm("proposals.view_proposal", proposal)
    assert Project.objects.filter(proposal__in=proposals).exists()
    assert PeriodicReport.objects.filter(project__proposal__in=proposals).exists()


def test_seed_scale_is_idempotent(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_scale", "--proposals", "5")
    call_command("seed_scale", "--proposals", "5")
    assert Proposal.objects.filter(call__identifier="SCALE-5").count() == 5

    call_command("seed_scale", "--proposals", "5", "--reset")
    assert Proposal.objects.filter(call__identifier="SCALE-5").count() == 5
