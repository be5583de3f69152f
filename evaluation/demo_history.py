"""Demo history: a past joint call, EUJ-QST-2025-01, taken through its whole evaluation.

The calls and proposals services rightly refuse to publish a call whose deadline has passed or to
submit a proposal after it, so the part of the history before the deadline (the call's opening and the
proposals with their submissions) is recorded directly with the models, marked "demo history" in the
audit log. Everything from the call's closing on goes through the services: closing, the start of the
evaluation, assignments and conflict declarations, reviews, consensus, release by both Sides, the joint
selection approved by both officers and the funding decisions. Idempotent: each step looks at what
exists and does only what is missing."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction

from calls import services as call_services
from calls.enums import CallState
from calls.models import Call
from loi_portal.models import content_hash
from loi_portal.services import audit, grant
from loi_portal.timezones import localise
from proposals.demo import demo_pdf
from proposals.enums import AnnexKind, MemberRole, ProposalState
from proposals.models import Annex, ConsortiumMember, Partner, Proposal, Submission
from proposals.services import MEMBER_PERMS, build_snapshot, transition_proposal

from . import services
from .enums import AssignmentState, ConsensusState, ReviewState, SelectionOutcome
from .models import CallEvaluation, FundingDecision, ProposalEvaluation, SelectionList

PAST_CALL = "EUJ-QST-2025-01"
PAST_TITLE = "Quantum technologies for resilient societies 2025"
OPENS_AT = (dt.datetime(2025, 3, 3, 10, 0), "Europe/Brussels")
DEADLINE = (dt.datetime(2025, 6, 16, 17, 0), "Europe/Brussels")
BUDGETS = {
    "EU": {"cap_minor": 400_000_000, "per_proposal_cap_minor": 150_000_000},  # €4,000,000.00 / €1,500,000.00
    "JP": {"cap_minor": 300_000_000, "per_proposal_cap_minor": 60_000_000},  # ¥300,000,000 / ¥60,000,000
}

# acronym, lead Side, title, abstract, keywords, EU request (cents), JP request (yen),
# consensus level of the EU and of JP (on the 0-5 scale), outcome of the joint selection.
PROPOSALS = [
    (
        "QUANTA-NET",
        "EU",
        "Entanglement-based quantum network between Delft and Tokyo",
        "A long-haul entanglement distribution link with quantum memories at both ends, demonstrating "
        "device-independent key distribution between a European and a Japanese node.",
        "entanglement, quantum memory, QKD",
        140_000_000,
        55_000_000,
        ("4.5", "4.5"),
        SelectionOutcome.SELECTED,
    ),
    (
        "QGRAV",
        "JP",
        "量子重力計ネットワークによる火山活動の監視 (Quantum gravimeter networks for volcano monitoring)",
        "原子干渉計型の量子重力計を桜島とエトナ山に設置し、マグマの移動を連続観測する。"
        " Atom-interferometric gravimeters on Sakurajima and Etna track magma movements continuously.",
        "量子重力計, volcanology, atom interferometry",
        90_000_000,
        58_000_000,
        ("4", "4.5"),
        SelectionOutcome.SELECTED,
    ),
    (
        "QSAFE-GRID",
        "EU",
        "Post-quantum migration of critical power-grid control systems",
        "Crypto-agile migration of SCADA and substation protocols to post-quantum algorithms, validated on "
        "European and Japanese grid testbeds.",
        "post-quantum cryptography, smart grid, SCADA",
        120_000_000,
        40_000_000,
        ("4", "4"),
        SelectionOutcome.SELECTED,
    ),
    (
        "QCLOCK",
        "JP",
        "光格子時計ネットワークによる相対論的測地 (Optical lattice clock networks for relativistic geodesy)",
        "光ファイバーで結んだ光格子時計により、地殻変動を高さ1 cmの精度で捉える。"
        " Fibre-linked optical clocks resolve crustal deformation to one centimetre in height.",
        "光格子時計, geodesy, optical fibre",
        100_000_000,
        50_000_000,
        ("3.5", "4"),
        SelectionOutcome.RESERVE,
    ),
    (
        "QBATT",
        "EU",
        "Quantum simulation of solid-state battery electrolytes",
        "Variational quantum algorithms to screen solid electrolytes for lithium-metal batteries.",
        "quantum simulation, batteries, materials",
        80_000_000,
        30_000_000,
        ("3.5", "2.5"),
        SelectionOutcome.NOT_SELECTED,
    ),
    (
        "QNV-MED",
        "JP",
        "ダイヤモンドNVセンターを用いた医療用量子センサー (NV-centre quantum sensors for medical imaging)",
        "ダイヤモンド中のNVセンターで心磁図を室温で計測する。"
        " Room-temperature magnetocardiography with nitrogen-vacancy centres in diamond.",
        "NVセンター, magnetometry, medical imaging",
        70_000_000,
        45_000_000,
        ("2.5", "3"),
        SelectionOutcome.NOT_SELECTED,
    ),
]

# Partners: TU Delft (EU) and the University of Tokyo (JP), organisations none of the demo evaluators
# belongs to, so that every evaluator can declare no conflict.
EU_ORG, JP_ORG = "Technische Universität Delft", "東京大学"
PI_NAMES = {("EU", True): "Anna de Vries", ("EU", False): "Pieter Jansen", ("JP", True): "山田 太郎"}
PI_NAMES[("JP", False)] = "佐藤 健二"

REVIEW_TEXTS = {
    "EU": {
        "high": (
            "Ambitious and well-argued objectives that go clearly beyond the state of the art.",
            "An excellent proposal with a credible plan and a genuinely joint consortium.",
        ),
        "mid": (
            "Sound objectives; the methodology is convincing but the risk mitigation is thin.",
            "A good proposal; the work plan would benefit from clearer milestones for the joint tasks.",
        ),
        "low": (
            "The objectives are not clearly beyond the state of the art and the plan lacks detail.",
            "The proposal has merit but significant weaknesses in its implementation.",
        ),
    },
    "JP": {
        "high": (
            "目標が明確で、国際的な優位性が高い。日欧の役割分担も適切である。",
            "非常に優れた提案であり、社会実装への道筋も具体的である。",
        ),
        "mid": (
            "目標は妥当であるが、リスク管理の記述がやや不十分である。",
            "良い提案である。共同研究のマイルストーンをより明確にすることが望ましい。",
        ),
        "low": (
            "目標設定と実施計画に具体性が欠け、実現可能性に懸念がある。",
            "意義はあるが、実施体制と予算配分に大きな課題がある。",
        ),
    },
}


def _level(value: Decimal) -> str:
    return "high" if value >= Decimal("4") else "mid" if value >= Decimal("3") else "low"


def _scores(terms, base: Decimal, side_code: str, offset: Decimal = Decimal("0")) -> dict:
    """Scores round ``base`` (shifted by ``offset``), varied per criterion, on the Side's scale."""
    pattern = (Decimal("0"), Decimal("0.5"), Decimal("-0.5"), Decimal("0"), Decimal("0.5"))
    scores = {}
    for index, criterion in enumerate(terms.criteria.all()):
        value = base + offset + pattern[index % len(pattern)]
        if base >= Decimal("3") and value < criterion.threshold:
            value = criterion.threshold  # a passing proposal passes every criterion
        value = max(terms.scale_min, min(terms.scale_max, value))
        comment = REVIEW_TEXTS[side_code][_level(value)][0]
        scores[criterion.code] = {"score": value, "comment": comment}
    return scores


def _record_call(ctx: dict, eu, jp) -> Call:
    """Demo history: the call is created and its text approved through the services; its publication
    and opening, long past, are recorded directly (publish_call refuses a past deadline)."""
    call = Call.objects.filter(identifier=PAST_CALL).first()
    if call is not None:
        return call
    opens_at, deadline = localise(*OPENS_AT), localise(*DEADLINE)
    call = call_services.create_call(
        by=eu,
        title=PAST_TITLE,
        identifier=PAST_CALL,
        description=(
            "The pilot joint call under the Letter of Intent: quantum technologies that make societies of "
            "both Sides more resilient. Each Side funds its own participants."
        ),
        topics=ctx.get("topics") or [],
        plan_version=ctx["plan_version"],
        opens_at=opens_at,
        deadline=deadline,
        budgets=BUDGETS,
        page_limit=30,
    )
    call_services.approve_call_text(call, by=eu)
    call_services.approve_call_text(call, by=jp)
    # Demo history: published two weeks before it opened, open since ``opens_at``.
    Call.objects.filter(pk=call.pk).update(
        state=CallState.OPEN, published_at=opens_at - dt.timedelta(days=14)
    )
    audit("call.state", by=None, obj=call, old=CallState.DRAFT, new=CallState.OPEN, reason="demo history")
    call.refresh_from_db()
    return call


@transaction.atomic
def _record_proposal(call: Call, index: int, spec, users: dict, orgs: dict) -> Proposal:
    """Demo history: a proposal drafted and submitted before the deadline, recorded directly with the
    models (the services refuse a past deadline); the snapshot and its SHA-256 come from the
    proposals app's own ``build_snapshot`` and ``content_hash``."""
    acronym, lead_side, title, abstract, keywords, eu_minor, jp_minor, _levels, _outcome = spec
    lead = users[f"{lead_side.lower()}_researcher"]
    partner_user = users["jp_researcher" if lead_side == "EU" else "eu_researcher"]
    proposal = Proposal.objects.create(
        call=call,
        number=f"{call.identifier}-{index:04d}",
        acronym=acronym,
        title=title,
        abstract=abstract,
        keywords=keywords,
        created_by=lead,
    )
    proposal.topics.set(list(call.topics.all()[index % max(call.topics.count(), 1) :][:1]))
    for user in (lead, partner_user):
        ConsortiumMember.objects.create(
            proposal=proposal, user=user, side=user.side, role=MemberRole.COORDINATOR, joined_at=call.opens_at
        )
        for perm in MEMBER_PERMS:
            grant(perm, user, proposal, by=lead)
    for order, (side_code, org_name, minor) in enumerate(
        (("EU", EU_ORG, eu_minor), ("JP", JP_ORG, jp_minor))
    ):
        org = orgs[org_name]
        Partner.objects.create(
            proposal=proposal,
            organisation=org,
            side=org.side,
            country=org.country,
            pi_name=PI_NAMES[(side_code, side_code == lead_side)],
            pi_email=f"pi.{acronym.lower()}@{org.email_domain}",
            role=MemberRole.COORDINATOR,
            requested_minor=minor,
            erad_id=f"ERAD-2025{index:04d}" if side_code == "JP" else "",
            order=order,
        )
    annexes = []
    for kind, name, pages in (
        (AnnexKind.TECHNICAL, f"{acronym}-technical-annex.pdf", 12),
        ("coordination_agreement", f"{acronym}-coordination-agreement.pdf", 2),
    ):
        data = demo_pdf(title if kind == AnnexKind.TECHNICAL else "Agreement", pages)
        annex = Annex(
            proposal=proposal,
            kind=kind,
            original_name=name,
            size=len(data),
            pages=pages,
            sha256=hashlib.sha256(data).hexdigest(),
            uploaded_by=lead,
        )
        annex.file.save("annex.pdf", ContentFile(data), save=False)
        annex.save()
        annexes.append(annex)
    submitted_at = call.deadline - dt.timedelta(days=6 - index, hours=3 * index)
    snapshot = build_snapshot(proposal, annexes)
    snapshot["version"] = 1
    snapshot["submitted_at"] = submitted_at.astimezone(dt.UTC).isoformat()
    submission = Submission.objects.create(
        proposal=proposal,
        version=1,
        submitted_at=submitted_at,
        submitted_by=lead,
        snapshot=snapshot,
        sha256=content_hash(snapshot),
    )
    submission.annexes.set(annexes)
    Proposal.objects.filter(pk=proposal.pk).update(submitted_version=1)
    transition_proposal(proposal, ProposalState.SUBMITTED, by=lead, reason="version 1 (demo history)")
    return proposal


def _evaluate_side(call: Call, officer, evaluators: list, levels: dict) -> None:
    """Assignments with no-conflict declarations, submitted reviews and a final consensus for every
    proposal of the call on the officer's Side, then the Side's release."""
    side_code = officer.side.code
    call_evaluation = CallEvaluation.objects.get(call=call, side=officer.side)
    if call_evaluation.is_released:
        return
    terms = services.terms_for(call, officer.side)
    evaluations = ProposalEvaluation.objects.filter(call_evaluation=call_evaluation).select_related(
        "proposal", "side", "call_evaluation"
    )
    for evaluation in evaluations.order_by("proposal__number"):
        base = Decimal(levels[evaluation.proposal.acronym][0 if side_code == "EU" else 1])
        for index, evaluator in enumerate(evaluators):
            assignment = evaluation.assignments.filter(evaluator=evaluator).first()
            if assignment is None:
                assignment = services.assign_evaluator(evaluation, evaluator, by=officer)
            if assignment.state == AssignmentState.PENDING:
                assignment = services.declare_no_conflict(assignment, by=evaluator)
            review = getattr(assignment, "review", None)
            if review is not None and review.state == ReviewState.SUBMITTED:
                continue
            offset = (Decimal("0.5"), Decimal("0"), Decimal("-0.5"))[
                (index + len(evaluation.proposal.acronym)) % 3
            ]
            texts = REVIEW_TEXTS[side_code][_level(base + offset)]
            review = services.save_review(
                assignment,
                by=evaluator,
                scores=_scores(terms, base, side_code, offset),
                overall_comment=texts[1],
                confidence=("high", "medium", "medium")[index],
            )
            services.submit_review(review, by=evaluator)
        consensus = getattr(evaluation, "consensus", None)
        if consensus is None or consensus.state != ConsensusState.FINAL:
            texts = REVIEW_TEXTS[side_code][_level(base)]
            consensus = services.save_consensus(
                evaluation,
                by=officer,
                scores=_scores(terms, base, side_code),
                overall_comment=texts[1],
                majority_view=texts[0],
                minority_view="" if base >= 4 else texts[1],
            )
            services.finalise_consensus(consensus, by=officer)
    services.release_consensus(call_evaluation, by=officer)


def _select(call: Call, eu, jp, outcomes: dict) -> SelectionList:
    selection = SelectionList.objects.get(call=call)
    if selection.effective_hash:
        return selection
    for entry in selection.entries.select_related("proposal"):
        wanted = outcomes[entry.proposal.acronym]
        if entry.outcome != wanted:
            services.record_selection(entry, wanted, by=eu, note="Agreed at the joint selection meeting.")
    for officer in (eu, jp):
        selection.refresh_from_db()
        if officer.side.code not in services.selection_state(selection)["approved_sides"]:
            services.approve_selection(selection, by=officer)
    selection.refresh_from_db()
    return selection


def _fund(call: Call, officers: dict) -> None:
    """Each Side funds its own participants of the selected proposals, within the request and budget;
    the EU trims one request to stay well inside its budget for the call."""
    partners = Partner.objects.filter(
        proposal__call=call, proposal__state=ProposalState.SELECTED
    ).select_related("proposal", "side")
    for partner in partners.order_by("proposal__number", "order"):
        if FundingDecision.objects.filter(partner=partner).exists():
            continue
        amount, note = partner.requested_minor, "Funded as requested."
        if partner.proposal.acronym == "QSAFE-GRID" and partner.side.code == "EU":
            amount, note = 110_000_000, "Travel budget reduced after the consensus meeting."
        services.record_funding(partner, amount, by=officers[partner.side.code], note=note)


def seed_past_call(ctx: dict) -> Call | None:
    users = ctx.get("users") or {}
    needed = ["eu_officer", "jp_officer", "eu_researcher", "jp_researcher"]
    needed += [f"{c}_evaluator{i}" for c in ("eu", "jp") for i in (1, 2, 3)]
    if any(name not in users for name in needed) or ctx.get("plan_version") is None:
        return None
    orgs = {org.name: org for org in ctx.get("organisations", [])}
    if EU_ORG not in orgs or JP_ORG not in orgs:
        return None
    eu, jp = users["eu_officer"], users["jp_officer"]
    call = _record_call(ctx, eu, jp)
    if call.state == CallState.OPEN:
        for index, spec in enumerate(PROPOSALS, start=1):
            if not Proposal.objects.filter(call=call, acronym=spec[0]).exists():
                _record_proposal(call, index, spec, users, orgs)
        call_services.close_call(call)
    call.refresh_from_db()
    if call.state == CallState.CLOSED:
        call_services.start_evaluation(call, by=eu)
    levels = {spec[0]: spec[7] for spec in PROPOSALS}
    for officer in (eu, jp):
        code = officer.side.code.lower()
        _evaluate_side(call, officer, [users[f"{code}_evaluator{i}"] for i in (1, 2, 3)], levels)
    _select(call, eu, jp, {spec[0]: spec[8] for spec in PROPOSALS})
    _fund(call, {"EU": eu, "JP": jp})
    call.refresh_from_db()
    return call
