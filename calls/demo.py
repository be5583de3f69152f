"""Demo data of the calls app, made through its services: three agreed topics with expert opinions,
an in-force Partnership Plan, an open call closing at 17:00 Brussels time a few weeks from today and
a draft call. Idempotent: what exists is found, not made again."""

import datetime as dt

from django.utils import timezone

from loi_portal.services import approved_sides
from loi_portal.timezones import localise

from . import services
from .enums import CallState, OpinionStance
from .models import Call, PartnershipPlan, Topic

TOPICS = [
    (
        "Quantum sensing for seismic and tsunami early warning",
        "Quantum gravimeters, atomic clocks and fibre-based sensing networks that detect earthquakes and "
        "tsunamis earlier, tested along Japanese and European coasts.",
        "seismic",
    ),
    (
        "Quantum-safe cybersecurity",
        "Post-quantum cryptography and quantum key distribution for the critical infrastructure of both "
        "Sides, including interoperable testbeds between Japan and Europe.",
        "cybersecurity",
    ),
    (
        "Quantum materials for energy",
        "Quantum simulation and new quantum materials for batteries, superconductors and energy-efficient "
        "electronics.",
        "energy",
    ),
]
PLAN_NAME = "Japan–EU QST Partnership Plan"
OPEN_CALL = "EUJ-QST-2026-01"
DRAFT_CALL = "EUJ-QST-2027-01"


def _agree(topic, officers):
    for officer in officers:
        if not topic.is_agreed and officer.side.code not in approved_sides(topic, topic.revision):
            services.agree_topic(topic, by=officer)


def _plan_data():
    terms = {code: services.default_side_terms(code) for code in ("EU", "JP")}
    terms["EU"]["funding_minor"] = 700_000_000  # €7,000,000.00 in cents
    terms["JP"]["funding_minor"] = 1_000_000_000  # ¥1,000,000,000
    year = timezone.now().year
    return {
        "evaluation_procedure": (
            "Each Side evaluates every eligible proposal in parallel under its own criteria: Horizon Europe "
            "rules for the EU (at least three experts, consensus report), SIP rules for Japan."
        ),
        "selection_procedure": (
            "The two ranked lists are compared in a joint meeting; a proposal is selected only when both "
            "Sides agree. Each Side funds only its own participants."
        ),
        "timeline": [
            {"name": "Call opens", "date": f"{year}-11-01"},
            {"name": "Deadline (17:00 Brussels)", "date": f"{year + 1}-01-15"},
            {"name": "Joint selection meeting", "date": f"{year + 1}-05-15"},
            {"name": "Projects start", "date": f"{year + 1}-10-01"},
        ],
        "reporting_cycle_months": 12,
        "final_report": True,
        "progress_assessment": "Officers of both Sides assess each annual and final report together.",
        "terms": terms,
    }


def _budgets(eu_cap, jp_cap):
    return {
        "EU": {"cap_minor": eu_cap, "per_proposal_cap_minor": 150_000_000},
        "JP": {"cap_minor": jp_cap, "per_proposal_cap_minor": 60_000_000},
    }


def seed(ctx: dict) -> list[tuple[str, str, str]]:
    users = ctx["users"]
    eu, jp = users["eu_officer"], users["jp_officer"]

    topics = []
    for index, (title, description, challenge) in enumerate(TOPICS):
        topic = Topic.objects.filter(title=title).first()
        if topic is None:
            topic = services.propose_topic(
                by=eu if index % 2 == 0 else jp,
                title=title,
                description=description,
                challenge=challenge,
                dp_priority="Quantum technologies (Japan–EU Digital Partnership)",
            )
        _agree(topic, (eu, jp))
        topics.append(topic)
    first = topics[0]
    for expert_name, stance, text in (
        ("jp_expert", OpinionStance.SUPPORT, "Japan's seismic networks make this a natural joint topic."),
        ("eu_expert", None, ""),
    ):
        expert = users[expert_name]
        opinion = first.opinions.filter(expert=expert).first()
        if opinion is None:
            opinion = services.request_opinion(first, expert=expert, by=eu)
        if stance and opinion.stance == OpinionStance.PENDING:
            services.record_opinion(opinion, by=expert, stance=stance, text=text)

    plan = PartnershipPlan.objects.filter(name=PLAN_NAME).first()
    if plan is None:
        version = services.create_plan(by=eu, name=PLAN_NAME, **_plan_data())
    else:
        version = plan.versions.order_by("-number").first()
    for officer in (eu, jp):
        version.refresh_from_db()
        if version.in_force_since is None and officer.side.code not in approved_sides(
            version, version.number
        ):
            services.approve_plan_version(version, by=officer)
    version.refresh_from_db()

    open_call = Call.objects.filter(identifier=OPEN_CALL).first()
    if open_call is None:
        today = timezone.now().astimezone(dt.UTC).date()
        deadline = localise(
            dt.datetime.combine(today + dt.timedelta(weeks=6), dt.time(17, 0)), "Europe/Brussels"
        )
        open_call = services.create_call(
            by=eu,
            title="Quantum science and technology for resilient societies",
            identifier=OPEN_CALL,
            description=(
                "The first joint call under the Letter of Intent between the Cabinet Office of Japan and the "
                "European Commission. Consortia need at least one participant established in each Side; each "
                "Side funds its own participants."
            ),
            topics=topics,
            plan_version=version,
            opens_at=timezone.now() - dt.timedelta(days=1),
            deadline=deadline,
            budgets=_budgets(500_000_000, 600_000_000),
            page_limit=30,
        )
        services.approve_call_text(open_call, by=eu)
        services.approve_call_text(open_call, by=jp)
        services.publish_call(open_call, by=jp)
    if open_call.state == CallState.PUBLISHED and open_call.opens_at <= timezone.now():
        services.open_call(open_call)

    draft = Call.objects.filter(identifier=DRAFT_CALL).first()
    if draft is None:
        today = timezone.now().astimezone(dt.UTC).date()
        draft = services.create_call(
            by=jp,
            title="Quantum materials for energy sustainability",
            identifier=DRAFT_CALL,
            description="A second joint call, in preparation.",
            topics=[topics[2]],
            plan_version=version,
            opens_at=localise(
                dt.datetime.combine(today + dt.timedelta(weeks=20), dt.time(10, 0)), "Asia/Tokyo"
            ),
            deadline=localise(
                dt.datetime.combine(today + dt.timedelta(weeks=32), dt.time(12, 0)), "Asia/Tokyo"
            ),
            budgets=_budgets(200_000_000, 400_000_000),
        )
        services.approve_call_text(draft, by=jp)

    ctx["topics"] = topics
    ctx["plan_version"] = version
    ctx["open_call"] = open_call
    ctx["draft_call"] = draft
    return []
