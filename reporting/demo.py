"""Demo data of reporting: a reference exchange rate and, when the evaluation demo selected and funded
a proposal, a project with its first annual report submitted (co-publications, an exchange from Japan
to Europe) and assessed by the EU (through the services, idempotently)."""

import datetime as dt
from decimal import Decimal

from proposals.enums import MemberRole, ProposalState
from proposals.models import Proposal

from . import permissions, services
from .enums import ActivityKind, AssessmentRating, ExchangeDirection, ReportState, ResultKind
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
    # One project, from the past call's funded proposals when the evaluation demo made that call:
    # made once, found on later runs.
    past_call = ctx.get("past_call")
    selected = Proposal.objects.filter(state=ProposalState.SELECTED, project__isnull=True)
    projects = Project.objects.select_related("proposal")
    if past_call is not None:
        selected = selected.filter(call=past_call)
        projects = projects.filter(proposal__call=past_call)
    if not projects.exists():
        candidates = [
            proposal
            for proposal in selected.order_by("number")
            if {side.code for _partner, side, _amount in services.funding_decisions_of(proposal)}
            == {"EU", "JP"}
        ]
        for proposal in candidates[:1]:
            services.create_project(proposal, by=officer, start_date=dt.date(2025, 10, 1))
    for project in projects.order_by("pk")[:1]:
        ctx.setdefault("projects", []).append(project)
        _submit_first_report(project)
        _assess_first_report(project, officer)
    return []


def _assess_first_report(project: Project, officer) -> None:
    report = project.reports.order_by("number").first()
    if report is not None and permissions.can_assess_report(officer, report):
        services.assess_report(
            report,
            by=officer,
            rating=AssessmentRating.ON_TRACK,
            comments=(
                "Good progress in the first year: the first joint key exchange and two co-authored "
                "publications. The two-month delay of the detectors is well handled."
            ),
        )


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
        summary=(
            "The entanglement link between Delft and Tokyo runs on both quantum memories; the first joint "
            "device-independent key exchange was achieved in month 10."
        ),
        deviations="Delivery of the single-photon detectors slipped by two months.",
        next_steps="Extend the testbed to a third node and run the joint field trial.",
    )
    services.add_result(
        report,
        by=author,
        kind=ResultKind.PUBLICATION,
        title="Long-distance entanglement distribution between Europe and Japan",
        authors="A. de Vries, 山田 太郎",
        reference="doi:10.0000/demo.2026.001",
        year=2026,
        co_authored=True,
    )
    services.add_result(
        report,
        by=author,
        kind=ResultKind.PUBLICATION,
        title="Telecom-band quantum memories for intercontinental repeaters",
        authors="鈴木 美穂, P. Jansen, A. de Vries",
        reference="doi:10.0000/demo.2026.014",
        year=2026,
        co_authored=True,
    )
    services.add_activity(
        report,
        by=author,
        kind=ActivityKind.EXCHANGE,
        title="Quantum memory stay at TU Delft",
        start_date=dt.date(2026, 4, 1),
        end_date=dt.date(2026, 6, 30),
        direction=ExchangeDirection.JP_TO_EU,
        researcher="鈴木 美穂",
    )
    services.add_activity(
        report,
        by=author,
        kind=ActivityKind.MEETING,
        title="Joint kick-off meeting",
        start_date=dt.date(2025, 10, 20),
    )
    services.submit_report(report, by=author)
