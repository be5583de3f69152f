# ruff: noqa: S311 (reproducible bench data, not secrets)
"""A realistic data set at scale for the benchmarks under ``bench/``.

Rows and guardian's direct foreign-key permission rows are written with ``bulk_create``; the grants
are the ones the services would make: coordinators get view/change on their proposal, the officers'
groups of both Sides view on every submitted proposal of a closed call, evaluators view on each
proposal they are assigned to.
"""

import datetime as dt
import hashlib
import random
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from calls.enums import CallState
from calls.models import Call, CallBudget, Criterion, PartnershipPlan, PlanSideTerms, PlanVersion, Topic
from loi_portal.models import Organisation, Side, User
from loi_portal.services import side_role_group

BATCH = 5000
PREFIX = "SCALE-"
PASSWORD = "bench password 2026"  # noqa: S105 (bench users on the bench database only)

CRITERIA = {
    "EU": [
        ("excellence", "Excellence", "卓越性"),
        ("impact", "Impact", "インパクト"),
        ("implementation", "Quality and efficiency of the implementation", "実施の質と効率"),
    ],
    "JP": [
        ("fit", "Fit with the programme's aims", "プログラムの目的との適合性"),
        ("plan", "Sound targets, plan and roadmap", "目標・計画・ロードマップの妥当性"),
        ("management", "Structure, budget and management", "体制・予算・マネジメント"),
        ("implementation", "Strategy for social implementation", "社会実装戦略"),
    ],
}


def tiny_pdf(pad: int = 0) -> bytes:
    """A valid one-page PDF; ``pad`` bytes of comment make it as large as wanted."""
    text = b"BT /F1 12 Tf 72 720 Td (Technical annex) Tj ET\n" + (b"% padding\n" * (pad // 10))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _perm(app_label: str, codename: str) -> Permission:
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def make_users(prefix: str, side: Side, role: str, count: int, orgs: list[Organisation]) -> list[User]:
    """``count`` users holding ``role`` on ``side`` (existing ones kept)."""
    existing = {u.username: u for u in User.objects.filter(username__startswith=f"{prefix}_")}
    password = make_password(PASSWORD)
    new = [
        User(
            username=f"{prefix}_{i}",
            email=f"{prefix}_{i}@bench.example.org",
            first_name="Bench",
            last_name=f"{role.title()} {i}",
            side=side,
            organisation=orgs[i % len(orgs)] if orgs else None,
            password=password,
            language="ja" if side.code == "JP" else "en",
        )
        for i in range(count)
        if f"{prefix}_{i}" not in existing
    ]
    User.objects.bulk_create(new, batch_size=BATCH)
    users = list(User.objects.filter(username__startswith=f"{prefix}_").order_by("pk"))[:count]
    group = side_role_group(side, role)
    Through = User.groups.through
    Through.objects.bulk_create(
        [Through(user_id=u.pk, group_id=group.pk) for u in users], batch_size=BATCH, ignore_conflicts=True
    )
    return users


def make_organisations(side: Side, count: int) -> list[Organisation]:
    name = f"{PREFIX}{side.code} Institute"
    have = list(Organisation.objects.filter(name__startswith=name).order_by("pk"))
    if len(have) < count:
        Organisation.objects.bulk_create(
            [
                Organisation(
                    name=f"{name} {i}",
                    country="JP" if side.code == "JP" else random.choice(["DE", "FR", "IT", "NL", "ES"]),
                    side=side,
                    email_domain=f"{side.code.lower()}{i}.bench.example.org",
                )
                for i in range(len(have), count)
            ]
        )
        have = list(Organisation.objects.filter(name__startswith=name).order_by("pk"))
    return have


def make_call(identifier: str, *, state: str, deadline: dt.datetime, officer: User) -> Call:
    """A call with its plan version, criteria, budgets and a topic (made directly)."""
    call = Call.objects.filter(identifier=identifier).first()
    if call:
        return call
    plan = PartnershipPlan.objects.create(name=f"Plan {identifier}", created_by=officer)
    version = PlanVersion.objects.create(
        plan=plan,
        number=1,
        evaluation_procedure="Each Side evaluates every eligible proposal under its own criteria.",
        selection_procedure="A proposal is selected only when both Sides agree.",
        timeline=[],
        reporting_cycle_months=12,
        final_report=True,
        progress_assessment="Officers of both Sides assess each periodic report.",
        created_by=officer,
        in_force_since=timezone.now(),
    )
    for side in Side.objects.all():
        terms = PlanSideTerms.objects.create(
            version=version,
            side=side,
            funding_minor=10**12,
            overall_threshold=Decimal("10") if side.code == "EU" else Decimal("12"),
        )
        Criterion.objects.bulk_create(
            Criterion(
                terms=terms,
                code=code,
                name=name,
                name_ja=name_ja,
                order=order,
                threshold=Decimal("3"),
                weight=Decimal("1"),
            )
            for order, (code, name, name_ja) in enumerate(CRITERIA[side.code])
        )
    call = Call.objects.create(
        title=f"Quantum technologies at scale {identifier}",
        identifier=identifier,
        description="A joint call made by seed_scale for the benchmarks.",
        plan_version=version,
        opens_at=min(timezone.now(), deadline) - dt.timedelta(days=60),
        deadline=deadline,
        state=state,
        created_by=officer,
        published_at=timezone.now() - dt.timedelta(days=60),
    )
    for side in Side.objects.all():
        CallBudget.objects.create(
            call=call,
            side=side,
            cap_minor=10**13,
            per_proposal_cap_minor=10**11,
        )
    topic = Topic.objects.create(
        title=f"Quantum networks {identifier}",
        description="Intercontinental quantum networks.",
        challenge="seismic",
        dp_priority="Quantum technologies",
        proposed_by=officer,
        proposing_side=officer.side,
        is_agreed=True,
        agreed_at=timezone.now(),
    )
    call.topics.set([topic])
    return call


def seed_proposals(
    call: Call,
    count: int,
    *,
    coordinators: list[User],
    orgs: dict[str, list[Organisation]],
    submitted: bool,
    annex_bytes: bytes,
    rng: random.Random,
) -> list[int]:
    """``count`` proposals with 2–8 partners, an annex each (own file), a member, coordinator grants,
    and (``submitted``) a submission with its receipt hash. Returns the proposal ids."""
    from proposals.enums import ProposalState
    from proposals.models import (
        Annex,
        ConsortiumMember,
        Partner,
        Proposal,
        ProposalUserObjectPermission,
        Submission,
    )

    sides = {s.code: s for s in Side.objects.all()}
    topic_ids = list(call.topics.values_list("pk", flat=True))
    start = Proposal.objects.filter(call=call).count()
    now = timezone.now()
    proposals = [
        Proposal(
            call=call,
            number=f"{call.identifier}-{i + 1:05d}",
            acronym=f"Q{i + 1}",
            title=f"Quantum sensing network for Japan and Europe {i + 1}",
            abstract="We build an intercontinental quantum key distribution testbed.",
            keywords="QKD, quantum networks",
            created_by=coordinators[i % len(coordinators)],
            state=ProposalState.SUBMITTED if submitted else ProposalState.DRAFT,
            submitted_version=1 if submitted else 0,
        )
        for i in range(start, start + count)
    ]
    Proposal.objects.bulk_create(proposals, batch_size=BATCH)
    Topics = Proposal.topics.through
    Topics.objects.bulk_create(
        [Topics(proposal_id=p.pk, topic_id=topic_ids[0]) for p in proposals], batch_size=BATCH
    )
    ConsortiumMember.objects.bulk_create(
        [
            ConsortiumMember(
                proposal=p, user=p.created_by, side_id=p.created_by.side_id, role="coordinator", joined_at=now
            )
            for p in proposals
        ],
        batch_size=BATCH,
    )
    view, change = _perm("proposals", "view_proposal"), _perm("proposals", "change_proposal")
    ProposalUserObjectPermission.objects.bulk_create(
        [
            ProposalUserObjectPermission(user_id=p.created_by_id, permission=perm, content_object=p)
            for p in proposals
            for perm in (view, change)
        ],
        batch_size=BATCH,
        ignore_conflicts=True,
    )
    partners = []
    for p in proposals:
        n = rng.randint(2, 8)
        for order in range(n):
            code = "EU" if order % 2 == 0 else "JP"
            org = rng.choice(orgs[code])
            partners.append(
                Partner(
                    proposal=p,
                    organisation=org,
                    side=sides[code],
                    country=org.country,
                    pi_name=f"PI {p.pk}-{order}" if code == "EU" else f"山田 {p.pk}-{order}",
                    pi_email=f"pi{p.pk}-{order}@{org.email_domain}",
                    role="coordinator" if order < 2 else "participant",
                    requested_minor=rng.randint(10, 100) * (1_000_000 if code == "EU" else 100_000),
                    order=order,
                )
            )
    Partner.objects.bulk_create(partners, batch_size=BATCH)
    digest = hashlib.sha256(annex_bytes).hexdigest()
    folder = Path(settings.MEDIA_ROOT) / "annexes" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / f"source-{len(annex_bytes)}.pdf"
    if not source.exists():
        source.write_bytes(annex_bytes)
    annexes = []
    for p in proposals:
        name = f"annexes/bench/{call.identifier}-{p.pk}.pdf"
        target = Path(settings.MEDIA_ROOT) / name
        if not target.exists():
            target.hardlink_to(source)
        annexes.append(
            Annex(
                proposal=p,
                kind="technical",
                file=name,
                original_name=f"{p.acronym}-technical-annex.pdf",
                size=len(annex_bytes),
                pages=1,
                sha256=digest,
                uploaded_by_id=p.created_by_id,
            )
        )
    Annex.objects.bulk_create(annexes, batch_size=BATCH)
    if submitted:
        Submission.objects.bulk_create(
            [
                Submission(
                    proposal=p,
                    version=1,
                    submitted_at=call.deadline - dt.timedelta(hours=1),
                    submitted_by_id=p.created_by_id,
                    snapshot={"proposal": {"number": p.number, "title": p.title}, "version": 1},
                    sha256=hashlib.sha256(p.number.encode()).hexdigest(),
                )
                for p in proposals
            ],
            batch_size=BATCH,
        )
    return [p.pk for p in proposals]


def grant_officers(proposal_ids: list[int]) -> None:
    """What ``proposals.services.on_call_closed`` grants: view to both Sides' officers."""
    from proposals.models import ProposalGroupObjectPermission

    view = _perm("proposals", "view_proposal")
    groups = [side_role_group(side, "officer") for side in Side.objects.all()]
    ProposalGroupObjectPermission.objects.bulk_create(
        [
            ProposalGroupObjectPermission(group=g, permission=view, content_object_id=pk)
            for g in groups
            for pk in proposal_ids
        ],
        batch_size=BATCH,
        ignore_conflicts=True,
    )


def seed_evaluation(call: Call, proposal_ids: list[int], *, evaluators: dict, officers: dict, rng) -> None:
    """Each Side: 3 assignments with submitted reviews per proposal, and a final consensus."""
    from evaluation.models import (
        Assignment,
        CallEvaluation,
        Consensus,
        ConsensusScore,
        ProposalEvaluation,
        Review,
        ReviewScore,
    )
    from proposals.models import ProposalUserObjectPermission

    view = _perm("proposals", "view_proposal")
    now = timezone.now()
    for side in Side.objects.all():
        criteria = list(Criterion.objects.filter(terms__version=call.plan_version, terms__side=side))
        call_eval, _ = CallEvaluation.objects.get_or_create(call=call, side=side)
        evaluations = [
            ProposalEvaluation(call_evaluation=call_eval, proposal_id=pk, side=side) for pk in proposal_ids
        ]
        ProposalEvaluation.objects.bulk_create(evaluations, batch_size=BATCH)
        pool = evaluators[side.code]
        assignments = []
        for i, ev in enumerate(evaluations):
            for k in range(3):
                assignments.append(
                    Assignment(
                        evaluation=ev,
                        evaluator=pool[(i * 3 + k) % len(pool)],
                        side=side,
                        state="active",
                        declared_at=now,
                        assigned_by=officers[side.code],
                    )
                )
        Assignment.objects.bulk_create(assignments, batch_size=BATCH)
        ProposalUserObjectPermission.objects.bulk_create(
            [
                ProposalUserObjectPermission(
                    user_id=a.evaluator_id, permission=view, content_object_id=a.evaluation.proposal_id
                )
                for a in assignments
            ],
            batch_size=BATCH,
            ignore_conflicts=True,
        )
        reviews = [
            Review(
                assignment=a, state="submitted", overall_comment="Sound.", confidence="high", submitted_at=now
            )
            for a in assignments
        ]
        Review.objects.bulk_create(reviews, batch_size=BATCH)
        ReviewScore.objects.bulk_create(
            (
                ReviewScore(review=r, criterion=c, score=Decimal(rng.randint(2, 5)), comment="")
                for r in reviews
                for c in criteria
            ),
            batch_size=BATCH,
        )
        consensus = []
        scores = []
        for ev in evaluations:
            values = [Decimal(rng.randint(2, 5)) for _ in criteria]
            total = sum(values)
            cons = Consensus(
                evaluation=ev,
                state="final",
                overall_comment="Agreed.",
                total=total,
                weighted_total=total,
                passes_thresholds=all(v >= 3 for v in values),
                updated_by=officers[side.code],
                finalised_at=now,
            )
            consensus.append(cons)
            scores.append((cons, values))
        Consensus.objects.bulk_create(consensus, batch_size=BATCH)
        ConsensusScore.objects.bulk_create(
            (
                ConsensusScore(consensus=cons, criterion=c, score=v, passes=v >= 3)
                for cons, values in scores
                for c, v in zip(criteria, values, strict=True)
            ),
            batch_size=BATCH,
        )


def seed_selection(call: Call, proposal_ids: list[int], *, officers: dict) -> None:
    """Both Sides released their consensus; the joint selection list has an entry per proposal."""
    from evaluation.models import CallEvaluation, SelectionEntry, SelectionList

    for side in Side.objects.all():
        CallEvaluation.objects.filter(call=call, side=side).update(
            released_at=timezone.now(), released_by=officers[side.code]
        )
    selection, _ = SelectionList.objects.get_or_create(call=call)
    SelectionEntry.objects.bulk_create(
        [SelectionEntry(selection=selection, proposal_id=pk) for pk in proposal_ids],
        batch_size=BATCH,
        ignore_conflicts=True,
    )
    Call.objects.filter(pk=call.pk).update(state=CallState.SELECTION)


def seed_projects(proposal_ids: list[int], *, officer: User) -> None:
    """A project with funding per partner and one submitted periodic report for each proposal."""
    from proposals.models import Partner, Proposal
    from reporting.models import PeriodicReport, Project, ProjectFunding

    start = dt.date(2026, 1, 1)
    proposals = list(Proposal.objects.filter(pk__in=proposal_ids))
    projects = [
        Project(
            proposal=p,
            acronym=p.acronym,
            title=p.title,
            start_date=start,
            end_date=dt.date(2029, 1, 1),
            duration_months=36,
            sensitivity="public",
            created_by=officer,
        )
        for p in proposals
    ]
    Project.objects.bulk_create(projects, batch_size=BATCH)
    by_proposal = {p.proposal_id: p for p in projects}
    ProjectFunding.objects.bulk_create(
        [
            ProjectFunding(
                project=by_proposal[part.proposal_id],
                partner=part,
                side_id=part.side_id,
                amount_minor=part.requested_minor,
            )
            for part in Partner.objects.filter(proposal_id__in=proposal_ids)
        ],
        batch_size=BATCH,
    )
    due = timezone.make_aware(dt.datetime(2027, 2, 1))
    PeriodicReport.objects.bulk_create(
        [
            PeriodicReport(
                project=p,
                number=1,
                period_start=start,
                period_end=dt.date(2026, 12, 31),
                due_at=due,
                state="submitted",
                summary="量子鍵配送の試験網を構築し、東京とブリュッセルを結んだ。" * 3,
                next_steps="Extend the testbed.",
                submitted_version=1,
            )
            for p in projects
        ],
        batch_size=BATCH,
    )


def base_people(n: int, rng: random.Random, *, prefix: str = "scale", researchers: int | None = None) -> dict:
    """Organisations and users of both Sides sized for ``n`` proposals."""
    researchers_n = researchers
    sides = {s.code: s for s in Side.objects.all()}
    orgs = {code: make_organisations(side, max(4, min(400, n // 50))) for code, side in sides.items()}
    officers = {
        code: make_users(f"{prefix}_{code.lower()}_officer", sides[code], "officer", 2, orgs[code])[0]
        for code in sides
    }
    evaluators = {
        code: make_users(
            f"{prefix}_{code.lower()}_evaluator", sides[code], "evaluator", max(3, n // 100), orgs[code]
        )
        for code in sides
    }
    researchers = []
    for code in sides:
        researchers += make_users(
            f"{prefix}_{code.lower()}_researcher",
            sides[code],
            "researcher",
            researchers_n or max(2, n // 8),
            orgs[code],
        )
    return {
        "sides": sides,
        "orgs": orgs,
        "officers": officers,
        "evaluators": evaluators,
        "researchers": researchers,
    }


def reset_scale() -> None:
    """Remove every call made by seed_scale and what hangs off it."""
    from evaluation.models import FundingDecision, SelectionEntry
    from proposals.models import Proposal, Submission
    from reporting.models import PeriodicReport, Project, ProjectFunding, ReportVersion

    calls = Call.objects.filter(identifier__startswith=PREFIX)
    proposals = Proposal.objects.filter(call__in=calls)
    with transaction.atomic():
        ReportVersion.objects.filter(report__project__proposal__in=proposals).delete()
        PeriodicReport.objects.filter(project__proposal__in=proposals).delete()
        ProjectFunding.objects.filter(project__proposal__in=proposals).delete()
        Project.objects.filter(proposal__in=proposals).delete()
        FundingDecision.objects.filter(proposal__in=proposals).delete()
        SelectionEntry.objects.filter(proposal__in=proposals).delete()
        Submission.objects.filter(proposal__in=proposals).delete()
        proposals.delete()
        plans = list(calls.values_list("plan_version__plan", flat=True))
        topics = list(Topic.objects.filter(calls__in=calls).values_list("pk", flat=True))
        calls.delete()
        PlanVersion.objects.filter(plan__in=plans).delete()
        PartnershipPlan.objects.filter(pk__in=plans).delete()
        Topic.objects.filter(pk__in=topics).delete()


def people_of(prefix: str) -> dict[str, User]:
    """An EU officer, an EU evaluator and an EU researcher made by ``base_people(prefix=...)``."""
    return {
        role: User.objects.get(username=f"{prefix}_eu_{role}_0")
        for role in ("officer", "evaluator", "researcher")
    }


def seed_scale(
    n: int,
    *,
    seed: int = 12,
    tag: str | None = None,
    people_prefix: str = "scale",
    people_n: int | None = None,
) -> Call:
    """The evaluated call ``SCALE-<n>`` with ``n`` proposals, reviews, consensus and n/40 projects."""
    from proposals.models import Proposal

    identifier = f"{PREFIX}{tag or n}"
    existing = Call.objects.filter(identifier=identifier).first()
    if existing and Proposal.objects.filter(call=existing).count() == n:
        return existing
    rng = random.Random(seed)
    people = base_people(people_n or n, rng, prefix=people_prefix)
    with transaction.atomic():
        call = make_call(
            identifier,
            state=CallState.UNDER_EVALUATION,
            deadline=timezone.now() - dt.timedelta(days=30),
            officer=people["officers"]["EU"],
        )
        ids = seed_proposals(
            call,
            n,
            coordinators=people["researchers"],
            orgs=people["orgs"],
            submitted=True,
            annex_bytes=tiny_pdf(),
            rng=rng,
        )
        grant_officers(ids)
        seed_evaluation(call, ids, evaluators=people["evaluators"], officers=people["officers"], rng=rng)
        seed_selection(call, ids, officers=people["officers"])
        seed_projects(ids[: max(1, n // 40)], officer=people["officers"]["EU"])
    analyze()
    return call


def analyze() -> None:
    """Fresh planner statistics after a bulk load (what autovacuum would do a little later)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


class Command(BaseCommand):
    help = "Make a realistic data set of N proposals for the benchmarks (bench/run.py)."

    def add_arguments(self, parser):
        parser.add_argument("--proposals", type=int, default=1000)
        parser.add_argument("--reset", action="store_true", help="Remove the calls seed_scale made first.")

    def handle(self, *args, proposals: int, reset: bool, **options):
        started = timezone.now()
        if reset:
            reset_scale()
        call = seed_scale(proposals)
        seconds = (timezone.now() - started).total_seconds()
        self.stdout.write(f"{call.identifier}: {call.proposals.count()} proposals in {seconds:.1f} s")
