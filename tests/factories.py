"""Factories for every app's models. Users get their roles through the same service as production."""

import datetime as dt
import functools
from decimal import Decimal

import factory
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from calls.enums import CallState
from calls.models import Call, CallBudget, Criterion, PartnershipPlan, PlanSideTerms, PlanVersion, Topic
from loi_portal.models import Organisation, Side, User
from loi_portal.services import grant_role
from proposals.models import ConsortiumMember, Partner, Proposal


def side(code: str) -> Side:
    return Side.objects.get(code=code)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    class Params:
        side_code = "EU"

    name = factory.Sequence(lambda n: f"Quantum Institute {n}")
    side = factory.LazyAttribute(lambda o: side(o.side_code))
    country = factory.LazyAttribute(lambda o: "JP" if o.side_code == "JP" else "DE")
    email_domain = factory.Sequence(lambda n: f"qi{n}.example.org")


TEST_PASSWORD = "correct horse battery staple"


def _password_hash() -> str:
    return _password_hash_with(settings.PASSWORD_HASHERS[0])


@functools.cache
def _password_hash_with(hasher: str) -> str:
    # Keyed on the hasher: a hash made under another test's settings would not verify here.
    return make_password(TEST_PASSWORD)


class UserFactory(factory.django.DjangoModelFactory):
    """A user without a role; ``make_user`` grants roles through the production service."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    class Params:
        side_code = "EU"

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Person{n}")
    side = factory.LazyAttribute(lambda u: side(u.side_code))
    organisation = factory.LazyAttribute(lambda u: OrganisationFactory(side_code=u.side_code))
    # Hashed once per run: Argon2 is deliberately slow, and hundreds of test users need no new salt.
    password = factory.LazyFunction(lambda: _password_hash())


def make_user(side_code: str = "EU", role: str | None = None, **kwargs) -> User:
    user = UserFactory(side_code=side_code, **kwargs)
    if role:
        grant_role(user, role, by=None)
    return user


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic

    title = factory.Sequence(lambda n: f"Quantum sensing for earthquake early warning {n}")
    description = "Quantum gravimeters and networks of sensors for seismic and tsunami warning."
    challenge = "seismic"
    dp_priority = "Quantum technologies"
    proposed_by = factory.LazyFunction(lambda: make_user("EU", "officer"))
    proposing_side = factory.LazyAttribute(lambda t: t.proposed_by.side)
    is_agreed = True
    agreed_at = factory.LazyFunction(timezone.now)


class PartnershipPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnershipPlan

    name = factory.Sequence(lambda n: f"Partnership Plan {n}")
    created_by = factory.LazyFunction(lambda: make_user("EU", "officer"))


HE_CRITERIA = [
    ("excellence", "Excellence", "卓越性", Decimal("1")),
    ("impact", "Impact", "インパクト", Decimal("1")),
    ("implementation", "Quality and efficiency of the implementation", "実施の質と効率", Decimal("1")),
]
SIP_CRITERIA = [
    ("fit", "Fit with the programme's aims", "プログラムの目的との適合性", Decimal("1")),
    ("plan", "Sound targets, plan and roadmap", "目標・計画・ロードマップの妥当性", Decimal("1")),
    ("management", "Structure, budget and management", "体制・予算・マネジメント", Decimal("1")),
    ("implementation", "Strategy for social implementation", "社会実装戦略", Decimal("1")),
]


def make_plan_version(
    *, in_force: bool = True, eu_funding_minor=700_000_000, jp_funding_minor=300_000_000, **kwargs
):
    """A plan version with Horizon Europe criteria for the EU and SIP-style criteria for Japan."""
    plan = kwargs.pop("plan", None) or PartnershipPlanFactory()
    number = plan.versions.count() + 1
    version = PlanVersion.objects.create(
        plan=plan,
        number=number,
        evaluation_procedure="Each Side evaluates every eligible proposal under its own criteria.",
        selection_procedure="A proposal is selected only when both Sides agree.",
        timeline=[{"name": "Call opens", "date": "2026-01-15"}, {"name": "Deadline", "date": "2026-04-15"}],
        reporting_cycle_months=12,
        final_report=True,
        progress_assessment="Officers of both Sides assess each periodic report.",
        created_by=plan.created_by,
        in_force_since=timezone.now() if in_force else None,
        **kwargs,
    )
    eu_terms = PlanSideTerms.objects.create(
        version=version,
        side=side("EU"),
        funding_minor=eu_funding_minor,
        overall_threshold=Decimal("10"),
    )
    for order, (code, name, name_ja, weight) in enumerate(HE_CRITERIA):
        Criterion.objects.create(
            terms=eu_terms,
            code=code,
            name=name,
            name_ja=name_ja,
            order=order,
            threshold=Decimal("3"),
            weight=weight,
        )
    jp_terms = PlanSideTerms.objects.create(
        version=version,
        side=side("JP"),
        funding_minor=jp_funding_minor,
        overall_threshold=Decimal("12"),
    )
    for order, (code, name, name_ja, weight) in enumerate(SIP_CRITERIA):
        Criterion.objects.create(
            terms=jp_terms,
            code=code,
            name=name,
            name_ja=name_ja,
            order=order,
            threshold=Decimal("3"),
            weight=weight,
        )
    return version


_call_counter = iter(range(1, 10**9))


def make_call(
    *,
    state: str = CallState.OPEN,
    deadline: dt.datetime | None = None,
    opens_at: dt.datetime | None = None,
    plan_version: PlanVersion | None = None,
    eu_cap_minor=700_000_000,
    jp_cap_minor=300_000_000,
    eu_per_proposal_minor=150_000_000,
    jp_per_proposal_minor=60_000_000,
    topics=None,
    **kwargs,
) -> Call:
    """A call in any state, made directly (tests of the lifecycle go through the services)."""
    now = timezone.now()
    deadline = deadline or now + dt.timedelta(days=30)
    opens_at = opens_at or min(now - dt.timedelta(days=1), deadline - dt.timedelta(days=1))
    plan_version = plan_version or make_plan_version()
    n = next(_call_counter)
    call = Call.objects.create(
        title=kwargs.pop("title", f"Quantum technologies for resilient societies {n}"),
        identifier=kwargs.pop("identifier", f"EUJ-QST-TEST-{n:04d}"),
        description=kwargs.pop("description", "A joint call under the Letter of Intent."),
        plan_version=plan_version,
        opens_at=opens_at,
        deadline=deadline,
        state=state,
        created_by=kwargs.pop("created_by", plan_version.created_by),
        published_at=None if state == CallState.DRAFT else now,
        **kwargs,
    )
    CallBudget.objects.create(
        call=call, side=side("EU"), cap_minor=eu_cap_minor, per_proposal_cap_minor=eu_per_proposal_minor
    )
    CallBudget.objects.create(
        call=call, side=side("JP"), cap_minor=jp_cap_minor, per_proposal_cap_minor=jp_per_proposal_minor
    )
    call.topics.set(topics if topics is not None else [TopicFactory()])
    return call


_proposal_counter = iter(range(1, 10**9))


def make_proposal(
    *, call: Call | None = None, coordinator=None, with_partners: bool = True, **kwargs
) -> Proposal:
    """A draft proposal with a coordinator and (by default) one partner of each Side, made directly.

    Visibility grants are made by the proposals services; tests that need them go through those."""
    call = call or make_call()
    coordinator = coordinator or make_user("EU", "researcher")
    n = next(_proposal_counter)
    proposal = Proposal.objects.create(
        call=call,
        number=kwargs.pop("number", f"{call.identifier}-{n:05d}"),
        acronym=kwargs.pop("acronym", f"QNT{n}"),
        title=kwargs.pop("title", f"Quantum networks for Japan and Europe {n}"),
        abstract=kwargs.pop("abstract", "We build an intercontinental quantum key distribution testbed."),
        keywords=kwargs.pop("keywords", "QKD, quantum networks"),
        created_by=coordinator,
        **kwargs,
    )
    ConsortiumMember.objects.create(
        proposal=proposal,
        user=coordinator,
        side=coordinator.side,
        role="coordinator",
        joined_at=timezone.now(),
    )
    if with_partners:
        eu_org = (
            coordinator.organisation if coordinator.side.code == "EU" else OrganisationFactory(side_code="EU")
        )
        jp_org = (
            coordinator.organisation if coordinator.side.code == "JP" else OrganisationFactory(side_code="JP")
        )
        Partner.objects.create(
            proposal=proposal,
            organisation=eu_org,
            side=side("EU"),
            country=eu_org.country,
            pi_name="Anna Schmidt",
            pi_email=f"anna{n}@{eu_org.email_domain or 'eu.example.org'}",
            role="coordinator",
            requested_minor=100_000_000,
        )
        Partner.objects.create(
            proposal=proposal,
            organisation=jp_org,
            side=side("JP"),
            country="JP",
            pi_name="山田 太郎",
            pi_email=f"yamada{n}@{jp_org.email_domain or 'jp.example.org'}",
            role="coordinator",
            requested_minor=50_000_000,
        )
    return proposal


# -- evaluation ----------------------------------------------------------------------------------------


def make_submitted_proposal(*, call: Call, **kwargs) -> Proposal:
    """A proposal with one submission, in state SUBMITTED (through the proposals' transition)."""
    from proposals.models import Submission
    from proposals.services import transition_proposal

    proposal = make_proposal(call=call, **kwargs)
    Submission.objects.create(
        proposal=proposal,
        version=1,
        submitted_at=timezone.now(),
        submitted_by=proposal.created_by,
        snapshot={"title": proposal.title},
        sha256="0" * 64,
    )
    transition_proposal(proposal, "submitted", by=None)
    return proposal


def make_call_in_evaluation(n_proposals: int = 1, **kwargs):
    """A call under evaluation whose submitted proposals entered evaluation on both Sides."""
    from evaluation.services import on_evaluation_started

    call = make_call(state=CallState.UNDER_EVALUATION, **kwargs)
    proposals = [make_submitted_proposal(call=call) for _ in range(n_proposals)]
    on_evaluation_started(call)
    return call, proposals


def side_evaluation(proposal: Proposal, side_code: str):
    return proposal.side_evaluations.select_related("call_evaluation", "side").get(side__code=side_code)


def make_assignment(evaluation, evaluator=None, *, officer=None, declare: bool = True):
    """An evaluator of the evaluation's Side assigned by an officer of that Side (and, by default,
    declaring no conflict)."""
    from evaluation.services import assign_evaluator, declare_no_conflict

    code = evaluation.side.code
    officer = officer or make_user(code, "officer")
    evaluator = evaluator or make_user(code, "evaluator")
    assignment = assign_evaluator(evaluation, evaluator, by=officer)
    if declare:
        assignment = declare_no_conflict(assignment, by=evaluator)
    return assignment


def make_review(assignment, scores: dict, *, submit: bool = True, confidence: str = "high"):
    """The evaluator's review with ``scores`` by criterion code."""
    from evaluation.services import save_review, submit_review

    review = save_review(
        assignment,
        by=assignment.evaluator,
        scores={code: {"score": value, "comment": f"On {code}."} for code, value in scores.items()},
        overall_comment="Overall a sound proposal.",
        confidence=confidence,
    )
    if submit:
        review = submit_review(review, by=assignment.evaluator)
    return review


def make_final_consensus(evaluation, scores: dict, *, officer=None):
    """A final consensus of the evaluation's Side with ``scores`` by criterion code."""
    from evaluation.services import finalise_consensus, save_consensus

    officer = officer or make_user(evaluation.side.code, "officer")
    consensus = save_consensus(
        evaluation,
        by=officer,
        scores={code: {"score": value, "comment": f"Consensus on {code}."} for code, value in scores.items()},
        overall_comment="The panel agreed.",
    )
    return finalise_consensus(consensus, by=officer)
