"""Demo data of reporting: a reference exchange rate and, when the evaluation demo selected and funded
a proposal, a project with its first report submitted (through the services, idempotently)."""

import datetime as dt
from decimal import Decimal

from proposals.enums import MemberRole, ProposalState
from proposals.models import Proposal

from . import services
from .enums import ActivityKind, ExchangeDirection, ReportState, ResultKind
from .models import ExchangeRate, Project


def seed(ctx: dict) -> list[tuple[str, str, str]]:
    users = ctx.get("users", {})
    officer = users.get("eu_officer")
    if not ExchangeRate.objects.exists():
        services.record_exchange_rate(
            rate_date=dt.date(2026, 3, 31),
            jpy_per_eur=Decimal("162.5000"),
            source="ECB euro foreign exchange reference rate (demo)",
            by=officer,
        )
    if officer is None:
        return []
    candidates = [
        proposal
        for proposal in Proposal.objects.filter(state=ProposalState.SELECTED, project__isnull=True).order_by(
            "pk"
        )
        if {side.code for _partner, side, _amount in services.funding_decisions_of(proposal)} == {"EU", "JP"}
    ]
    for proposal in candidates[:1]:
        project = services.create_project(proposal, by=officer, start_date=dt.date(2026, 4, 1))
        ctx.setdefault("projects", []).append(project)
        _submit_first_report(project)
    return []


def _submit_first_report(project: Project) -> None:
    coordinators = {
        member.side.code: member.user
        for member in project.proposal.members.filter(
            role=MemberRole.COORDINATOR, user__isnull=False
        ).select_related("side", "user")
    }
    author = coordinators.get("EU") or coordinators.get("JP")
    report = project.reports.order_by("number").first()
    if author is None or report is None or report.state != ReportState.DRAFT:
        return
    services.update_report(
        report,
        by=author,
        summary="The intercontinental QKD testbed links Delft and Tokyo; first joint key exchange achieved.",
        deviations="Delivery of the single-photon detectors slipped by two months.",
        next_steps="Extend the testbed to a third node and run the joint field trial.",
    )
    services.add_result(
        report,
        by=author,
        kind=ResultKind.PUBLICATION,
        title="Long-distance entanglement distribution between Europe and Japan",
        authors="A. de Vries, 山田 太郎",
        reference="doi:10.0000/demo.2027.001",
        year=2027,
        co_authored=True,
    )
    services.add_activity(
        report,
        by=author,
        kind=ActivityKind.EXCHANGE,
        title="Detector calibration stay at the University of Tokyo",
        start_date=dt.date(2026, 9, 1),
        end_date=dt.date(2026, 11, 30),
        direction=ExchangeDirection.EU_TO_JP,
        researcher="Anna de Vries",
    )
    services.add_activity(
        report,
        by=author,
        kind=ActivityKind.MEETING,
        title="Joint kick-off meeting",
        start_date=dt.date(2026, 4, 20),
    )
    services.submit_report(report, by=author)
