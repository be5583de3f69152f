"""Permission-filtered, query-shaped reads of reporting, and the indicators of the letter's success."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, Sum

from calls.enums import CallState
from calls.models import Call
from evaluation.models import FundingDecision
from loi_portal.enums import Sensitivity
from loi_portal.money import from_minor
from loi_portal.selectors import JOINT, may_disclose
from proposals.enums import ProposalState
from proposals.models import ConsortiumMember, Partner, Proposal

from . import permissions
from .enums import ActivityKind, ExchangeDirection, ReportState, ResultKind
from .models import (
    ExchangeRate,
    ExportJob,
    PeriodicReport,
    Project,
    ProjectFunding,
    ReportActivity,
    ReportAttachment,
    ReportResult,
)

COUNCIL = "Digital Partnership Council"

# Calls whose proposals have been counted (the deadline has passed).
CLOSED_CALL_STATES = (
    CallState.CLOSED,
    CallState.UNDER_EVALUATION,
    CallState.SELECTION,
    CallState.AWARDED,
    CallState.ARCHIVED,
)
# Calls whose selection outcomes are released: before this, the joint selection is unreleased
# evaluation data and no aggregate may count it.
RELEASED_CALL_STATES = (CallState.AWARDED, CallState.ARCHIVED)
RECEIVED_STATES = (
    ProposalState.SUBMITTED,
    ProposalState.UNDER_EVALUATION,
    ProposalState.INELIGIBLE,
    ProposalState.SELECTED,
    ProposalState.RESERVE,
    ProposalState.NOT_SELECTED,
)

# Who reads each export, as an audience of the disclosure register (loi_portal.selectors.may_disclose):
# the Council is a third party, so beyond public projects it sees only what a participant permitted
# in writing; the JSTCC report and the dashboard are joint (both Sides' officers).
DISCLOSURE_AUDIENCE = {"council": COUNCIL, "jstcc": JOINT, "officers": JOINT}


def projects_for_user(user):
    """Projects the user may read: every project for officers, their own for consortium members."""
    qs = Project.objects.select_related("proposal__call").prefetch_related(
        Prefetch("fundings", queryset=ProjectFunding.objects.select_related("side", "partner__organisation"))
    )
    if not (user.is_authenticated and user.side_id):
        return qs.none()
    if permissions.is_officer(user):
        return qs
    member = ConsortiumMember.objects.filter(proposal_id=OuterRef("proposal_id"), user=user)
    return qs.filter(Exists(member))


def reports_for_user(user, *, project=None):
    projects = projects_for_user(user)
    qs = PeriodicReport.objects.filter(project__in=projects.values("pk")).select_related("project__proposal")
    if project is not None:
        qs = qs.filter(project=project)
    return qs.order_by("project", "number")


def report_attachments_for_user(user):
    """Attachments in use on the reports the user may read (removed ones stay only for the
    versions that froze them)."""
    reports = reports_for_user(user).values("pk")
    return ReportAttachment.objects.filter(report__in=reports, removed_at=None).select_related("report")


def reports_due_between(start: dt.datetime, end: dt.datetime):
    """Draft reports due in [start, end), with what a reminder needs: the project and the coordinators
    of both Sides (``report.project.proposal.members``, prefetched with their users)."""
    coordinators = ConsortiumMember.objects.filter(role="coordinator", user__isnull=False).select_related(
        "user", "side"
    )
    return (
        PeriodicReport.objects.filter(state=ReportState.DRAFT, due_at__gte=start, due_at__lt=end)
        .select_related("project__proposal__call")
        .prefetch_related(
            Prefetch("project__proposal__members", queryset=coordinators, to_attr="coordinators")
        )
        .order_by("due_at", "pk")
    )


def selectable_proposals_for_user(user):
    """Selected proposals without a project yet, for an officer to turn into projects."""
    if not permissions.is_officer(user):
        return Proposal.objects.none()
    return (
        Proposal.objects.filter(state=ProposalState.SELECTED, project__isnull=True)
        .select_related("call")
        .order_by("call__deadline", "number")
    )


def export_jobs_for_user(user):
    if not user.is_authenticated:
        return ExportJob.objects.none()
    return ExportJob.objects.filter(requested_by=user).select_related("requested_by")


def latest_exchange_rate(on: dt.date | None = None) -> ExchangeRate | None:
    qs = ExchangeRate.objects.all()
    if on is not None:
        qs = qs.filter(rate_date__lte=on)
    return qs.order_by("-rate_date").first()


# -- indicators --------------------------------------------------------------------------------------


def _pct(part, whole) -> float | None:
    return round(100.0 * float(part) / float(whole), 1) if whole else None


def _to_eur(amounts: dict[str, int], rate: ExchangeRate | None) -> Decimal | None:
    """EUR + JPY in EUR at ``rate`` (None when no rate is recorded: no combined figure then)."""
    if rate is None:
        return None
    eur = from_minor(amounts.get("EU", 0), "EUR")
    jpy = from_minor(amounts.get("JP", 0), "JPY")
    return (Decimal(eur) + Decimal(jpy) / rate.jpy_per_eur).quantize(Decimal("0.01"))


def monitoring_indicators(*, audience: str = "officers") -> dict:
    """Joint indicators of the letter's success for ``audience`` (officers/observers, council, jstcc).

    Counts only: no score or ranking ever enters an aggregate, and selection outcomes are counted only
    for calls whose outcomes are released (awarded or archived). Project details (titles, outcomes)
    are limited to the sensitivities the audience may read."""
    rate = latest_exchange_rate()
    calls = list(
        Call.objects.filter(state__in=CLOSED_CALL_STATES)
        .annotate(
            received=Count("proposals", filter=Q(proposals__state__in=RECEIVED_STATES), distinct=True),
            selected=Count("proposals", filter=Q(proposals__state=ProposalState.SELECTED), distinct=True),
        )
        .order_by("deadline", "pk")
    )
    partner_rows = (
        Partner.objects.filter(proposal__call__in=[c.pk for c in calls], proposal__state__in=RECEIVED_STATES)
        .values("proposal__call_id", "side__code")
        .annotate(
            participants=Count("pk"),
            selected=Count("pk", filter=Q(proposal__state=ProposalState.SELECTED)),
        )
    )
    participants = defaultdict(lambda: {"EU": 0, "JP": 0})
    selected_participants = defaultdict(lambda: {"EU": 0, "JP": 0})
    for row in partner_rows:
        participants[row["proposal__call_id"]][row["side__code"]] = row["participants"]
        selected_participants[row["proposal__call_id"]][row["side__code"]] = row["selected"]
    # Committed funding is each Side's funding decisions (evaluation), whether or not the project
    # exists yet; each Side funds only its own participants, and like the selection it counts once
    # the call's outcomes are released.
    funding_rows = (
        FundingDecision.objects.filter(
            call__in=[c.pk for c in calls if c.state in RELEASED_CALL_STATES],
            proposal__state=ProposalState.SELECTED,
            partner__side_id=F("side_id"),
            amount_minor__gt=0,
        )
        .values("call_id", "side__code")
        .annotate(total=Sum("amount_minor"))
    )
    funding = defaultdict(lambda: {"EU": 0, "JP": 0})
    for row in funding_rows:
        funding[row["call_id"]][row["side__code"]] = row["total"] or 0

    call_rows = []
    totals = {
        "calls": 0,
        "received": 0,
        "selected": 0,
        "participants": {"EU": 0, "JP": 0},
        "selected_participants": {"EU": 0, "JP": 0},
        "funding": {"EU": 0, "JP": 0},
    }
    by_year: dict[int, dict] = {}
    for call in calls:
        released = call.state in RELEASED_CALL_STATES
        selected = call.selected if released else None
        parts = participants[call.pk]
        sel_parts = selected_participants[call.pk] if released else {"EU": None, "JP": None}
        row = {
            "call": call,
            "identifier": call.identifier,
            "title": call.title,
            "deadline": call.deadline,
            "state": call.get_state_display(),
            "released": released,
            "received": call.received,
            "selected": selected,
            "success_rate": _pct(selected, call.received) if released else None,
            "participants": parts,
            "selected_participants": sel_parts,
            "success_by_side": {
                code: (_pct(sel_parts[code], parts[code]) if released else None) for code in ("EU", "JP")
            },
            "funding": funding[call.pk],
        }
        call_rows.append(row)
        totals["calls"] += 1
        totals["received"] += call.received
        year = call.deadline.year
        bucket = by_year.setdefault(
            year,
            {
                "participants": {"EU": 0, "JP": 0},
                "selected": {"EU": 0, "JP": 0},
                "released": {"EU": 0, "JP": 0},
                "funding": {"EU": 0, "JP": 0},
            },
        )
        for code in ("EU", "JP"):
            totals["participants"][code] += parts[code]
            totals["funding"][code] += funding[call.pk][code]
            bucket["participants"][code] += parts[code]
            bucket["funding"][code] += funding[call.pk][code]
            if released:
                totals["selected_participants"][code] += sel_parts[code]
                bucket["selected"][code] += sel_parts[code]
                bucket["released"][code] += parts[code]
        if released:
            totals["selected"] += call.selected

    released_received = sum(r["received"] for r in call_rows if r["released"])
    released_parts = {
        code: sum(r["participants"][code] for r in call_rows if r["released"]) for code in ("EU", "JP")
    }
    all_parts = sum(totals["participants"].values())
    eur_jpy = rate.jpy_per_eur if rate else None
    funding_eur = {
        "EU": Decimal(from_minor(totals["funding"]["EU"], "EUR")),
        "JP": (Decimal(from_minor(totals["funding"]["JP"], "JPY")) / eur_jpy).quantize(Decimal("0.01"))
        if eur_jpy
        else None,
    }
    combined = _to_eur(totals["funding"], rate)
    balance = {
        "participant_share": {code: _pct(totals["participants"][code], all_parts) for code in ("EU", "JP")},
        "funding_share": {
            code: (_pct(funding_eur[code], combined) if combined else None) for code in ("EU", "JP")
        },
        "success_rate": {
            code: _pct(totals["selected_participants"][code], released_parts[code]) for code in ("EU", "JP")
        },
    }
    over_time = []
    for year in sorted(by_year):
        bucket = by_year[year]
        year_parts = sum(bucket["participants"].values())
        year_combined = _to_eur(bucket["funding"], rate)
        over_time.append(
            {
                "year": year,
                "participant_share_eu": _pct(bucket["participants"]["EU"], year_parts),
                "funding_share_eu": _pct(Decimal(from_minor(bucket["funding"]["EU"], "EUR")), year_combined)
                if year_combined
                else None,
                "success_eu": _pct(bucket["selected"]["EU"], bucket["released"]["EU"]),
                "success_jp": _pct(bucket["selected"]["JP"], bucket["released"]["JP"]),
            }
        )

    submitted_reports = PeriodicReport.objects.exclude(state=ReportState.DRAFT)
    results = ReportResult.objects.filter(report__in=submitted_reports)
    publications = results.filter(kind=ResultKind.PUBLICATION).aggregate(
        total=Count("pk"), co_authored=Count("pk", filter=Q(co_authored=True))
    )
    ip_count = results.filter(kind__in=[ResultKind.PATENT, ResultKind.OTHER_IP]).count()
    exchanges = list(
        ReportActivity.objects.filter(report__in=submitted_reports, kind=ActivityKind.EXCHANGE).values_list(
            "direction", "start_date", "end_date"
        )
    )
    exchange_summary = {
        direction: {
            "count": sum(1 for d, _s, _e in exchanges if d == direction),
            "days": sum(((e - s).days + 1) for d, s, e in exchanges if d == direction and e),
        }
        for direction in (ExchangeDirection.EU_TO_JP, ExchangeDirection.JP_TO_EU)
    }
    meetings = ReportActivity.objects.filter(
        report__in=submitted_reports, kind__in=[ActivityKind.MEETING, ActivityKind.EVENT]
    ).count()

    disclosure_audience = DISCLOSURE_AUDIENCE[audience]
    projects = list(
        Project.objects.select_related("proposal__call")
        .prefetch_related(
            Prefetch(
                "fundings", queryset=ProjectFunding.objects.select_related("side", "partner__organisation")
            ),
        )
        .order_by("proposal__call__deadline", "acronym")
    )
    shown = [p for p in projects if may_disclose(p, disclosure_audience)]
    if audience == "council":
        # Public unless something was disclosed to the Council by a recorded permission.
        all_public = all(p.sensitivity == Sensitivity.PUBLIC for p in shown)
        label = Sensitivity.PUBLIC if all_public else Sensitivity.RESTRICTED
    else:
        label = Sensitivity.JOINT
    return {
        "audience": audience,
        "sensitivity": label,
        "rate": rate,
        "calls": call_rows,
        "totals": totals,
        "released_received": released_received,
        "overall_success_rate": _pct(totals["selected"], released_received),
        "funding_eur": funding_eur,
        "combined_funding_eur": combined,
        "balance": balance,
        "over_time": over_time,
        "publications": publications,
        "ip_count": ip_count,
        "exchanges": exchange_summary,
        "joint_meetings": meetings,
        "project_count": len(projects),
        "projects": shown,
        "projects_withheld": len(projects) - len(shown),
    }


def project_outcomes(projects) -> dict[int, dict]:
    """The outcomes of each project from its submitted report versions (latest version per report)."""
    outcomes = {p.pk: {"results": [], "activities": [], "reports": 0, "joint_rating": None} for p in projects}
    reports = (
        PeriodicReport.objects.filter(project__in=[p.pk for p in projects])
        .exclude(state=ReportState.DRAFT)
        .prefetch_related("versions", "joint_assessments")
        .order_by("project", "number")
    )
    for report in reports:
        versions = sorted(report.versions.all(), key=lambda v: v.version)
        if not versions:
            continue
        snapshot = versions[-1].snapshot
        entry = outcomes[report.project_id]
        entry["reports"] += 1
        entry["results"].extend(snapshot.get("results", []))
        entry["activities"].extend(snapshot.get("activities", []))
        joints = sorted(report.joint_assessments.all(), key=lambda j: j.version)
        if joints:
            entry["joint_rating"] = joints[-1].get_rating_display()
    return outcomes
