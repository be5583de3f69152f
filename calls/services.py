"""Writes and transitions of the calls app: topics, expert opinions, Partnership Plans, calls and
deadline changes.

``transition_call`` is the only code that writes ``Call.state``. Every dual approval goes through
``loi_portal.services.approve``; the parent row is locked first so that two officers approving at
the same moment serialise."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loi_portal import clock, governance
from loi_portal.enums import SideCode
from loi_portal.models import Side, User
from loi_portal.services import approve, audit, grant, is_approved_by_both

from . import permissions
from .enums import ALLOWED_TRANSITIONS, CallDocumentKind, CallState, OpinionStance
from .models import (
    Call,
    CallBudget,
    CallDocument,
    Criterion,
    DeadlineChange,
    ExpertOpinion,
    PartnershipPlan,
    PlanSideTerms,
    PlanVersion,
    Topic,
)

# Horizon Europe's criteria (code, name, name_ja, threshold, weight), in tie-break order.
HORIZON_EUROPE_CRITERIA = [
    {"code": "excellence", "name": "Excellence", "name_ja": "卓越性", "threshold": "3", "weight": "1"},
    {"code": "impact", "name": "Impact", "name_ja": "インパクト", "threshold": "3", "weight": "1"},
    {
        "code": "implementation",
        "name": "Quality and efficiency of the implementation",
        "name_ja": "実施の質と効率",
        "threshold": "3",
        "weight": "1",
    },
]
# SIP-style criteria offered to the Japanese officers as a starting point; they enter their own.
SIP_DEFAULT_CRITERIA = [
    {"code": "fit", "name": "Fit with the programme's aims and the theme's objectives",
     "name_ja": "プログラムの目的・テーマの目標との適合性", "threshold": "3", "weight": "1"},
    {"code": "plan", "name": "Sound targets, plan and roadmap",
     "name_ja": "目標・計画・ロードマップの妥当性", "threshold": "3", "weight": "1"},
    {"code": "management", "name": "Appropriate structure, budget and management",
     "name_ja": "実施体制・予算・マネジメントの適切性", "threshold": "3", "weight": "1"},
    {"code": "social", "name": "Strategy for social implementation",
     "name_ja": "社会実装に向けた戦略", "threshold": "3", "weight": "1"},
    {"code": "duplication", "name": "No unreasonable duplication or excessive concentration of funding",
     "name_ja": "不合理な重複・過度の集中がないこと", "threshold": "3", "weight": "1"},
]  # fmt: skip

DEFAULT_TERMS = {
    SideCode.EU: {
        "overall_threshold": Decimal("10"),
        "scale_min": Decimal("0"),
        "scale_max": Decimal("5"),
        "scale_step": Decimal("0.5"),
        "criteria": HORIZON_EUROPE_CRITERIA,
    },
    SideCode.JP: {
        "overall_threshold": Decimal("15"),
        "scale_min": Decimal("0"),
        "scale_max": Decimal("5"),
        "scale_step": Decimal("0.5"),
        "criteria": SIP_DEFAULT_CRITERIA,
    },
}

TOPIC_TEXT_FIELDS = ("title", "description", "challenge", "dp_priority")
CALL_TEXT_FIELDS = (
    "title",
    "description",
    "opens_at",
    "deadline",
    "page_limit",
    "min_participants_per_side",
    "plan_version",
)
# States in which a call is already open or beyond: opening again is a no-op.
OPENED_STATES = {
    CallState.OPEN,
    CallState.CLOSED,
    CallState.UNDER_EVALUATION,
    CallState.SELECTION,
    CallState.AWARDED,
    CallState.ARCHIVED,
}
CLOSED_STATES = OPENED_STATES - {CallState.OPEN}


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise ValidationError(message)


def _require_officer(by) -> None:
    _require(
        by is not None and by.is_authenticated and by.side_id is not None and by.is_officer,
        _("Only a programme officer can do this."),
    )


# -- topics ------------------------------------------------------------------------------------------


@transaction.atomic
def propose_topic(*, by: User, title: str, description: str, challenge: str, dp_priority: str = "") -> Topic:
    """An officer of either Side proposes a priority topic; it is not agreed until both Sides agree."""
    _require(permissions.can_propose_topic(by), _("Only a programme officer can propose a topic."))
    topic = Topic(
        title=title,
        description=description,
        challenge=challenge,
        dp_priority=dp_priority,
        proposed_by=by,
        proposing_side_id=by.side_id,
    )
    topic.full_clean()
    topic.save()
    audit("topic.propose", by=by, obj=topic, title=title)
    return topic


@transaction.atomic
def edit_topic(topic: Topic, *, by: User, **changes) -> Topic:
    """Change a topic's text. A change increments ``revision``, which withdraws every agreement
    (both Sides approve a revision), so an agreed topic is no longer agreed."""
    _require(permissions.can_edit_topic(by, topic), _("Only a programme officer can edit a topic."))
    locked = Topic.objects.select_for_update().get(pk=topic.pk)
    unknown = set(changes) - set(TOPIC_TEXT_FIELDS)
    if unknown:
        raise ValidationError(_("These fields cannot be changed: %(f)s") % {"f": ", ".join(sorted(unknown))})
    if locked.calls.exclude(state=CallState.DRAFT).exists():
        raise ValidationError(_("This topic is part of a published call; its text can no longer change."))
    changed = {k: v for k, v in changes.items() if getattr(locked, k) != v}
    if not changed:
        return locked
    was_agreed = locked.is_agreed
    for field, value in changed.items():
        setattr(locked, field, value)
    locked.revision += 1
    locked.is_agreed = False
    locked.agreed_at = None
    locked.full_clean()
    locked.save()
    audit(
        "topic.edit",
        by=by,
        obj=locked,
        revision=locked.revision,
        fields=sorted(changed),
        agreements_withdrawn=was_agreed,
    )
    _refresh(topic, locked)
    return locked


@transaction.atomic
def agree_topic(topic: Topic, *, by: User, comment: str = "") -> Topic:
    """Record the agreement of ``by``'s Side to the topic's current revision; the topic is agreed
    once both Sides agreed to that revision."""
    _require(permissions.can_propose_topic(by), _("Only a programme officer can agree to a topic."))
    locked = Topic.objects.select_for_update().get(pk=topic.pk)
    _require(not locked.is_agreed, _("This topic is already agreed by both Sides."))
    _approval, both = approve(locked, locked.revision, by=by, comment=comment)
    if both:
        locked.is_agreed = True
        locked.agreed_at = timezone.now()
        locked.save(update_fields=["is_agreed", "agreed_at", "updated_at"])
        audit("topic.agreed", by=by, obj=locked, revision=locked.revision)
    _refresh(topic, locked)
    return locked


@transaction.atomic
def request_opinion(topic: Topic, *, expert: User, by: User) -> ExpertOpinion:
    """Ask a named expert (of either Side) for an opinion and let them see this topic, and only it."""
    _require(
        permissions.can_request_opinion(by, topic), _("Only a programme officer can ask for an opinion.")
    )
    if not expert.is_expert:
        raise ValidationError({"expert": _("%(name)s is not an expert.") % {"name": expert}})
    if ExpertOpinion.objects.filter(topic=topic, expert=expert).exists():
        raise ValidationError(
            {"expert": _("%(name)s has already been asked about this topic.") % {"name": expert}}
        )
    opinion = ExpertOpinion.objects.create(topic=topic, expert=expert, requested_by=by)
    grant("calls.view_topic", expert, topic, by=by)
    audit("topic.opinion_requested", by=by, obj=topic, expert=expert.get_username())
    return opinion


@transaction.atomic
def record_opinion(opinion: ExpertOpinion, *, by: User, stance: str, text: str) -> ExpertOpinion:
    """The expert who was asked records support, reservations or opposition with a text."""
    _require(permissions.can_give_opinion(by, opinion), _("Only the expert who was asked can answer."))
    errors = {}
    if stance not in (OpinionStance.SUPPORT, OpinionStance.RESERVATIONS, OpinionStance.OPPOSITION):
        errors["stance"] = _("Choose support, reservations or opposition.")
    if not (text or "").strip():
        errors["text"] = _("Explain your opinion in a few sentences.")
    if errors:
        raise ValidationError(errors)
    locked = ExpertOpinion.objects.select_for_update().get(pk=opinion.pk)
    locked.stance = stance
    locked.text = text.strip()
    locked.answered_at = timezone.now()
    locked.save(update_fields=["stance", "text", "answered_at"])
    audit("topic.opinion", by=by, obj=locked.topic, stance=stance)
    _refresh(opinion, locked)
    return locked


# -- Partnership Plans -------------------------------------------------------------------------------


def default_side_terms(side_code: str) -> dict:
    """The terms a new plan starts from: Horizon Europe's for the EU, SIP-style ones for Japan."""
    terms = dict(DEFAULT_TERMS[side_code])
    terms["criteria"] = [dict(c) for c in terms["criteria"]]
    terms["funding_minor"] = 0
    terms["conflict_types"] = []
    return terms


def _validate_terms(side_code: str, terms: dict) -> dict:
    prefix = side_code.lower()
    errors: dict[str, list[str]] = {}
    funding = terms.get("funding_minor")
    if funding is None or int(funding) < 0:
        errors[f"{prefix}_funding"] = [_("Enter the Side's funding amount (zero or more).")]
    scale_min = Decimal(str(terms.get("scale_min", "0")))
    scale_max = Decimal(str(terms.get("scale_max", "5")))
    step = Decimal(str(terms.get("scale_step", "0.5")))
    if scale_max <= scale_min or step <= 0 or (scale_max - scale_min) % step:
        errors[f"{prefix}_scale"] = [_("The scale needs a minimum below its maximum and a step that fits.")]
    criteria = terms.get("criteria") or []
    if not criteria:
        errors[f"{prefix}_criteria"] = [_("Enter at least one criterion.")]
    codes = [c.get("code") for c in criteria]
    if len(codes) != len(set(codes)):
        errors[f"{prefix}_criteria"] = [_("Each criterion needs its own code.")]
    for criterion in criteria:
        threshold = Decimal(str(criterion.get("threshold", "0")))
        weight = Decimal(str(criterion.get("weight", "1")))
        if not (scale_min <= threshold <= scale_max):
            errors[f"{prefix}_criteria"] = [
                _("The threshold of “%(name)s” is outside the scale.") % {"name": criterion.get("name")}
            ]
        if weight <= 0:
            errors[f"{prefix}_criteria"] = [
                _("The weight of “%(name)s” must be positive.") % {"name": criterion.get("name")}
            ]
    overall = Decimal(str(terms.get("overall_threshold", "0")))
    if criteria and overall > scale_max * len(criteria):
        errors[f"{prefix}_overall_threshold"] = [
            _("The overall threshold is above the highest possible total.")
        ]
    if errors:
        raise ValidationError(errors)
    return terms


def _create_version(plan: PartnershipPlan, *, by: User, number: int, data: dict) -> PlanVersion:
    terms_by_side = data.get("terms") or {}
    errors: dict = {}
    for side_code in (SideCode.EU, SideCode.JP):
        if side_code not in terms_by_side:
            errors[f"{side_code.lower()}_funding"] = [_("Both Sides' terms are needed.")]
            continue
        try:
            _validate_terms(side_code, terms_by_side[side_code])
        except ValidationError as exc:
            errors.update(exc.message_dict)
    for name in ("evaluation_procedure", "selection_procedure"):
        if not (data.get(name) or "").strip():
            errors[name] = [_("This text is required.")]
    timeline = data.get("timeline") or []
    for milestone in timeline:
        if not milestone.get("name") or not milestone.get("date"):
            errors["timeline"] = [_("Each milestone needs a name and a date.")]
            break
        try:
            dt.date.fromisoformat(str(milestone["date"]))
        except ValueError:
            errors["timeline"] = [_("“%(d)s” is not a date (YYYY-MM-DD).") % {"d": milestone["date"]}]
            break
    if errors:
        raise ValidationError(errors)
    version = PlanVersion.objects.create(
        plan=plan,
        number=number,
        evaluation_procedure=data["evaluation_procedure"],
        selection_procedure=data["selection_procedure"],
        timeline=[{"name": m["name"], "date": str(m["date"])} for m in timeline],
        reporting_cycle_months=data.get("reporting_cycle_months", 12),
        final_report=data.get("final_report", True),
        progress_assessment=data.get("progress_assessment", ""),
        created_by=by,
    )
    sides = {side.code: side for side in Side.objects.all()}
    for side_code in (SideCode.EU, SideCode.JP):
        terms = terms_by_side[side_code]
        side_terms = PlanSideTerms.objects.create(
            version=version,
            side=sides[side_code],
            funding_minor=int(terms["funding_minor"]),
            overall_threshold=Decimal(str(terms["overall_threshold"])),
            scale_min=Decimal(str(terms.get("scale_min", "0"))),
            scale_max=Decimal(str(terms.get("scale_max", "5"))),
            scale_step=Decimal(str(terms.get("scale_step", "0.5"))),
            conflict_types=terms.get("conflict_types", []),
        )
        Criterion.objects.bulk_create(
            Criterion(
                terms=side_terms,
                code=c["code"],
                name=c["name"],
                name_ja=c.get("name_ja", ""),
                order=order,
                threshold=Decimal(str(c["threshold"])),
                weight=Decimal(str(c.get("weight", "1"))),
            )
            for order, c in enumerate(terms["criteria"])
        )
    return version


@transaction.atomic
def create_plan(*, by: User, name: str, **version_data) -> PlanVersion:
    """Create a Partnership Plan with its first version (no approvals yet). ``version_data``:
    evaluation_procedure, selection_procedure, timeline [{name, date}], reporting_cycle_months,
    final_report, progress_assessment, terms {"EU": {funding_minor, overall_threshold, scale_min,
    scale_max, scale_step, criteria [{code, name, name_ja, threshold, weight}]}, "JP": {...}}."""
    _require(permissions.can_create_plan(by), _("Only a programme officer can create a plan."))
    if not (name or "").strip():
        raise ValidationError({"name": _("Give the plan a name.")})
    plan = PartnershipPlan.objects.create(name=name.strip(), created_by=by)
    version = _create_version(plan, by=by, number=1, data=version_data)
    audit("plan.create", by=by, obj=plan, version=1)
    return version


@transaction.atomic
def new_plan_version(plan: PartnershipPlan, *, by: User, **version_data) -> PlanVersion:
    """Any edit of a plan is a new version with no approvals; earlier versions never change."""
    _require(permissions.can_edit_plan(by, plan), _("Only a programme officer can edit a plan."))
    locked = PartnershipPlan.objects.select_for_update().get(pk=plan.pk)
    number = (locked.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    version = _create_version(locked, by=by, number=number, data=version_data)
    audit("plan.new_version", by=by, obj=locked, version=number)
    return version


def version_data(version: PlanVersion) -> dict:
    """A version's content in the shape ``new_plan_version`` takes (to start an edit from it)."""
    terms = {}
    for side_terms in version.side_terms.all():
        terms[side_terms.side.code] = {
            "funding_minor": side_terms.funding_minor,
            "overall_threshold": side_terms.overall_threshold,
            "scale_min": side_terms.scale_min,
            "scale_max": side_terms.scale_max,
            "scale_step": side_terms.scale_step,
            "conflict_types": side_terms.conflict_types,
            "criteria": [
                {
                    "code": c.code,
                    "name": c.name,
                    "name_ja": c.name_ja,
                    "threshold": c.threshold,
                    "weight": c.weight,
                }
                for c in sorted(side_terms.criteria.all(), key=lambda c: c.order)
            ],
        }
    return {
        "evaluation_procedure": version.evaluation_procedure,
        "selection_procedure": version.selection_procedure,
        "timeline": list(version.timeline),
        "reporting_cycle_months": version.reporting_cycle_months,
        "final_report": version.final_report,
        "progress_assessment": version.progress_assessment,
        "terms": terms,
    }


@transaction.atomic
def approve_plan_version(version: PlanVersion, *, by: User, comment: str = "") -> PlanVersion:
    """Record ``by``'s Side's approval of this exact version; it is in force once both Sides have
    approved it. Only the latest version of a plan can be approved."""
    _require_officer(by)
    PartnershipPlan.objects.select_for_update().get(pk=version.plan_id)
    locked = PlanVersion.objects.get(pk=version.pk)
    latest = locked.plan.versions.order_by("-number").values_list("number", flat=True).first()
    _require(
        latest == locked.number,
        _("Version %(n)s has been replaced by version %(latest)s; approve the latest version.")
        % {"n": locked.number, "latest": latest},
    )
    _require(locked.in_force_since is None, _("This version is already in force."))
    _approval, both = approve(locked, locked.number, by=by, comment=comment)
    if both:
        locked.in_force_since = timezone.now()
        locked.save(update_fields=["in_force_since"])
        audit("plan.in_force", by=by, obj=locked.plan, version=locked.number)
    _refresh(version, locked)
    return locked


def plan_version_text(version: PlanVersion) -> list[str]:
    """A version as lines of text, for the diff between versions."""
    lines = [
        f"{_('Evaluation procedure')}: {version.evaluation_procedure}",
        f"{_('Selection procedure')}: {version.selection_procedure}",
        f"{_('Reporting cycle (months)')}: {version.reporting_cycle_months}",
        f"{_('Final report')}: {_('yes') if version.final_report else _('no')}",
        f"{_('How progress is assessed')}: {version.progress_assessment}",
    ]
    for milestone in version.timeline:
        lines.append(f"{_('Milestone')}: {milestone.get('date')} {milestone.get('name')}")
    for terms in sorted(version.side_terms.all(), key=lambda t: t.side.code):
        code = terms.side.code
        lines.append(f"[{code}] {_('Funding')}: {terms.funding_minor} ({terms.side.currency} minor units)")
        lines.append(
            f"[{code}] {_('Scale')}: {terms.scale_min}–{terms.scale_max} {_('step')} {terms.scale_step}"
        )
        lines.append(f"[{code}] {_('Overall threshold')}: {terms.overall_threshold}")
        for c in sorted(terms.criteria.all(), key=lambda c: c.order):
            lines.append(
                f"[{code}] {_('Criterion')} {c.order + 1}: {c.name} ({c.code}) "
                f"{_('threshold')} {c.threshold} {_('weight')} {c.weight}"
            )
    return [line for text in lines for line in text.splitlines() or [""]]


def diff_plan_versions(old: PlanVersion, new: PlanVersion) -> list[tuple[str, str]]:
    """(kind, line) pairs of a unified diff; kind is "add", "remove", "context" or "header".
    Templates escape the lines, so a plan's text cannot inject markup."""
    import difflib

    diff = difflib.unified_diff(
        plan_version_text(old),
        plan_version_text(new),
        fromfile=f"v{old.number}",
        tofile=f"v{new.number}",
        lineterm="",
    )
    result = []
    for line in diff:
        if line.startswith(("---", "+++", "@@")):
            kind = "header"
        elif line.startswith("+"):
            kind = "add"
        elif line.startswith("-"):
            kind = "remove"
        else:
            kind = "context"
        result.append((kind, line))
    return result


# -- calls -------------------------------------------------------------------------------------------


def _check_call_content(
    *,
    plan_version: PlanVersion,
    topics,
    opens_at: dt.datetime,
    deadline: dt.datetime,
    budgets: dict,
) -> None:
    """The rules every call text must satisfy; ValidationError names each field at fault."""
    errors: dict[str, list[str]] = {}
    if plan_version is None or plan_version.in_force_since is None:
        errors["plan_version"] = [_("Choose a Partnership Plan version that both Sides have approved.")]
    not_agreed = [t.title for t in topics if not t.is_agreed]
    if not_agreed:
        errors["topics"] = [
            _("These topics are not agreed by both Sides: %(titles)s") % {"titles": ", ".join(not_agreed)}
        ]
    if opens_at and deadline and opens_at >= deadline:
        errors["opens_at"] = [_("The call must open before its deadline.")]
    if plan_version is not None:
        funding = {t.side.code: t for t in plan_version.side_terms.select_related("side")}
        for side_code in (SideCode.EU, SideCode.JP):
            prefix = side_code.lower()
            budget = budgets.get(side_code)
            if not budget or budget.get("cap_minor") is None:
                errors[f"{prefix}_cap_minor"] = [_("Enter this Side's budget for the call.")]
                continue
            cap = int(budget["cap_minor"])
            per_proposal = int(budget.get("per_proposal_cap_minor") or 0)
            terms = funding.get(side_code)
            if cap < 0:
                errors[f"{prefix}_cap_minor"] = [_("The budget cannot be negative.")]
            elif terms is not None and cap > terms.funding_minor:
                from loi_portal.money import format_amount

                errors[f"{prefix}_cap_minor"] = [
                    _("The %(side)s budget is above the Partnership Plan's amount of %(amount)s.")
                    % {"side": side_code, "amount": format_amount(terms.funding_minor, terms.side.currency)}
                ]
            if per_proposal <= 0:
                errors[f"{prefix}_per_proposal_cap_minor"] = [_("Enter the most a proposal may request.")]
            elif per_proposal > cap:
                errors[f"{prefix}_per_proposal_cap_minor"] = [
                    _("The cap per proposal is above the %(side)s budget of the call.") % {"side": side_code}
                ]
    if errors:
        raise ValidationError(errors)


def _save_budgets(call: Call, budgets: dict) -> None:
    sides = {side.code: side for side in Side.objects.all()}
    for side_code, budget in budgets.items():
        CallBudget.objects.update_or_create(
            call=call,
            side=sides[side_code],
            defaults={
                "cap_minor": int(budget["cap_minor"]),
                "per_proposal_cap_minor": int(budget["per_proposal_cap_minor"]),
            },
        )


@transaction.atomic
def create_call(
    *,
    by: User,
    title: str,
    identifier: str,
    description: str,
    topics,
    plan_version: PlanVersion,
    opens_at: dt.datetime,
    deadline: dt.datetime,
    budgets: dict,
    page_limit: int = 30,
    min_participants_per_side: int = 1,
) -> Call:
    """Create a call in draft. ``budgets``: {"EU": {"cap_minor", "per_proposal_cap_minor"}, "JP": ...}
    in each Side's minor unit, within the plan version's funding."""
    _require(permissions.can_create_call(by), _("Only a programme officer can create a call."))
    topics = list(topics)
    _check_call_content(
        plan_version=plan_version, topics=topics, opens_at=opens_at, deadline=deadline, budgets=budgets
    )
    if Call.objects.filter(identifier=identifier).exists():
        raise ValidationError({"identifier": _("Another call has this identifier.")})
    call = Call(
        title=title,
        identifier=identifier,
        description=description,
        plan_version=plan_version,
        opens_at=opens_at,
        deadline=deadline,
        page_limit=page_limit,
        min_participants_per_side=min_participants_per_side,
        created_by=by,
    )
    call.full_clean(exclude=["topics"])
    call.save()
    call.topics.set(topics)
    _save_budgets(call, budgets)
    audit("call.create", by=by, obj=call, identifier=identifier)
    return call


def _current_budgets(call: Call) -> dict:
    return {
        b.side.code: {"cap_minor": b.cap_minor, "per_proposal_cap_minor": b.per_proposal_cap_minor}
        for b in call.budgets.select_related("side")
    }


@transaction.atomic
def update_call(call: Call, *, by: User, topics=None, budgets: dict | None = None, **changes) -> Call:
    """Edit a draft call. A change of its text increments ``text_revision``, which withdraws the
    Sides' approvals of the text (they approved the earlier revision)."""
    _require(permissions.can_create_call(by), _("Only a programme officer can edit a call."))
    locked = Call.objects.select_for_update().get(pk=call.pk)
    _require(locked.state == CallState.DRAFT, _("Only a draft call can be edited."))
    allowed = {*CALL_TEXT_FIELDS, "identifier"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(_("These fields cannot be changed: %(f)s") % {"f": ", ".join(sorted(unknown))})
    changed = sorted(k for k, v in changes.items() if getattr(locked, k) != v)
    old_topics = set(locked.topics.values_list("pk", flat=True))
    new_topics = list(topics) if topics is not None else list(locked.topics.all())
    topics_changed = {t.pk for t in new_topics} != old_topics
    old_budgets = _current_budgets(locked)
    new_budgets = budgets if budgets is not None else old_budgets
    normalised = {
        code: {k: int(v) for k, v in b.items() if k in ("cap_minor", "per_proposal_cap_minor")}
        for code, b in new_budgets.items()
    }
    budgets_changed = normalised != old_budgets
    if not changed and not topics_changed and not budgets_changed:
        return locked
    for field in changed:
        setattr(locked, field, changes[field])
    _check_call_content(
        plan_version=locked.plan_version,
        topics=new_topics,
        opens_at=locked.opens_at,
        deadline=locked.deadline,
        budgets=new_budgets,
    )
    if "identifier" in changed and Call.objects.filter(identifier=locked.identifier).exclude(pk=locked.pk):
        raise ValidationError({"identifier": _("Another call has this identifier.")})
    locked.text_revision += 1
    locked.full_clean(exclude=["topics"])
    locked.save()
    if topics_changed:
        locked.topics.set(new_topics)
    if budgets_changed:
        _save_budgets(locked, new_budgets)
    audit(
        "call.edit",
        by=by,
        obj=locked,
        text_revision=locked.text_revision,
        fields=[*changed, *(["topics"] if topics_changed else []), *(["budgets"] if budgets_changed else [])],
    )
    _refresh(call, locked)
    return locked


def _bump_text_revision(call: Call) -> None:
    """A change of the call's text withdraws both Sides' approvals of the earlier revision."""
    call.text_revision += 1
    call.save(update_fields=["text_revision", "updated_at"])


def add_call_document(call: Call, *, by: User, file, title: str, kind: str) -> CallDocument:
    """Check an uploaded PDF by content (as the proposals' annexes are checked) and attach it to a
    draft call under a generated name; the call's text revision moves on, so both Sides approve
    the call again with the document. On any refusal nothing is kept."""
    from proposals.annexes import checked_pdf, uploaded_name

    if kind not in CallDocumentKind.values:
        raise ValidationError({"kind": [_("Choose a valid kind of document.")]})
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": [_("Give the document a title.")]})
    facts = checked_pdf(file)
    stored_name = None
    try:
        with transaction.atomic():
            _require(permissions.can_create_call(by), _("Only a programme officer can change a call."))
            locked = Call.objects.select_for_update().get(pk=call.pk)
            _require(locked.state == CallState.DRAFT, _("Documents are added to a call while it is a draft."))
            document = CallDocument(
                call=locked,
                title=title[:255],
                kind=kind,
                original_name=uploaded_name(file, "document.pdf"),
                size=facts.size,
                pages=facts.pages,
                sha256=facts.sha256,
                uploaded_by=by,
            )
            file.seek(0)
            document.file.save("document.pdf", File(file), save=False)
            stored_name = document.file.name
            document.save()
            _bump_text_revision(locked)
            audit(
                "call.document_add",
                by=by,
                obj=locked,
                document=document.pk,
                sha256=facts.sha256,
                text_revision=locked.text_revision,
            )
    except BaseException:
        if stored_name:
            CallDocument.file.field.storage.delete(stored_name)
        raise
    _refresh(call, locked)
    return document


@transaction.atomic
def remove_call_document(document: CallDocument, *, by: User) -> Call:
    """Remove a document from a draft call (row and file); the text revision moves on."""
    _require(permissions.can_create_call(by), _("Only a programme officer can change a call."))
    locked = Call.objects.select_for_update().get(pk=document.call_id)
    _require(locked.state == CallState.DRAFT, _("Documents are removed from a call while it is a draft."))
    name, pk = document.file.name, document.pk
    document.delete()
    _bump_text_revision(locked)
    audit("call.document_remove", by=by, obj=locked, document=pk, text_revision=locked.text_revision)
    transaction.on_commit(lambda: CallDocument.file.field.storage.delete(name))
    return locked


@transaction.atomic
def approve_call_text(call: Call, *, by: User, comment: str = "") -> tuple[Call, bool]:
    """Record ``by``'s Side's approval of the call's current text revision. Returns the call and
    whether both Sides have now approved that revision."""
    _require_officer(by)
    locked = Call.objects.select_for_update().get(pk=call.pk)
    _require(locked.state == CallState.DRAFT, _("Only the text of a draft call is approved."))
    _approval, both = approve(locked, locked.text_revision, by=by, comment=comment)
    return locked, both


def _publish_guard(call: Call, now: dt.datetime) -> None:
    errors: dict[str, list[str]] = {}
    plan_version = call.plan_version
    if plan_version.in_force_since is None:
        errors["plan_version"] = [_("The Partnership Plan version is not in force (both Sides approve it).")]
    topics = list(call.topics.all())
    if not topics:
        errors["topics"] = [_("A call needs at least one agreed topic.")]
    elif any(not t.is_agreed for t in topics):
        errors["topics"] = [_("Every topic of the call must be agreed by both Sides.")]
    budgets = _current_budgets(call)
    for side_code in (SideCode.EU, SideCode.JP):
        if side_code not in budgets:
            errors[f"{side_code.lower()}_cap_minor"] = [
                _("The %(side)s budget is missing.") % {"side": side_code}
            ]
    if not errors.get("plan_version"):
        try:
            _check_call_content(
                plan_version=plan_version,
                topics=topics,
                opens_at=call.opens_at,
                deadline=call.deadline,
                budgets=budgets,
            )
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, messages)
    if call.deadline <= now:
        errors["deadline"] = [_("The deadline is in the past; move it before publishing.")]
    if not is_approved_by_both(call, call.text_revision):
        errors["__all__"] = [
            _("Both Sides must approve revision %(n)s of the call text before it is published.")
            % {"n": call.text_revision}
        ]
    if not governance.new_calls_allowed(now):
        errors.setdefault("__all__", []).append(
            _("No new call may be published: a Side's discontinuation of the letter has taken effect.")
        )
    if errors:
        raise ValidationError(errors)


def _guard(call: Call, to: str, *, by: User | None, now: dt.datetime) -> None:
    """What must hold for ``call`` to enter state ``to``; ValidationError says why not."""
    system_allowed = to in (CallState.OPEN, CallState.CLOSED, CallState.UNDER_EVALUATION)
    if by is None:
        _require(system_allowed, _("Only a programme officer can make this change."))
    else:
        _require(
            permissions.can_transition_call(by, call), _("Only a programme officer can make this change.")
        )
    if to == CallState.PUBLISHED:
        _publish_guard(call, now)
    elif to == CallState.DRAFT:
        _require(
            now < call.opens_at,
            _("The call has reached its opening time; it can no longer return to draft."),
        )
    elif to == CallState.OPEN:
        _require(
            now >= call.opens_at,
            _("The call opens at %(at)s UTC; it cannot open earlier.")
            % {"at": call.opens_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M")},
        )
    elif to == CallState.CLOSED:
        _require(
            now >= call.deadline,
            _("The deadline (%(at)s UTC) has not passed; the call cannot close earlier.")
            % {"at": call.deadline.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M")},
        )


@transaction.atomic
def transition_call(call: Call, to: str, *, by: User | None, reason: str = "") -> Call:
    """The only code that writes ``Call.state``. Locks the row, checks ALLOWED_TRANSITIONS and the
    guard of ``to``, records the change in the audit log and runs the hooks of the target state
    (scheduling on publication, the proposals' and the evaluation's hooks) in the same transaction.
    ``by=None`` is the system (the Celery tasks), which may only open and close a call."""
    locked = Call.objects.select_for_update().get(pk=call.pk)
    previous = locked.state
    if to not in CallState.values:
        raise ValidationError(_("“%(to)s” is not a state of a call.") % {"to": to})
    if to not in ALLOWED_TRANSITIONS.get(previous, set()):
        allowed = ", ".join(str(CallState(s).label) for s in sorted(ALLOWED_TRANSITIONS.get(previous, ())))
        raise ValidationError(
            _("A call in state “%(from)s” cannot become “%(to)s” (it can become: %(allowed)s).")
            % {
                "from": CallState(previous).label,
                "to": CallState(to).label,
                "allowed": allowed or _("nothing, it is final"),
            }
        )
    now = clock.now()
    _guard(locked, to, by=by, now=now)
    locked.state = to
    fields = ["state", "updated_at"]
    if to == CallState.PUBLISHED:
        locked.published_at = now
        fields.append("published_at")
    locked.save(update_fields=fields)
    audit("call.state", by=by, obj=locked, old=previous, new=to, reason=reason)
    if to in (CallState.PUBLISHED, CallState.DRAFT):
        from .scheduling import call_instants_changed

        call_instants_changed(locked)
    elif to == CallState.CLOSED:
        from proposals.services import on_call_closed

        on_call_closed(locked, by=by)
    elif to == CallState.UNDER_EVALUATION:
        from evaluation.services import on_evaluation_started

        on_evaluation_started(locked, by=by)
    _refresh(call, locked)
    return locked


def publish_call(call: Call, *, by: User) -> Call:
    return transition_call(call, CallState.PUBLISHED, by=by)


def unpublish_call(call: Call, *, by: User, reason: str) -> Call:
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the call returns to draft.")})
    return transition_call(call, CallState.DRAFT, by=by, reason=reason)


@transaction.atomic
def open_call(call: Call, by: User | None = None) -> Call:
    """Open a published call at or after ``opens_at``. Safe to run twice: a call already open (or
    beyond) is left as it is. Refused (ValidationError) for a draft or before the opening time."""
    locked = Call.objects.select_for_update().get(pk=call.pk)
    if locked.state in OPENED_STATES:
        _refresh(call, locked)
        return locked
    return transition_call(call, CallState.OPEN, by=by)


@transaction.atomic
def close_call(call: Call, by: User | None = None) -> Call:
    """Close an open call at or after its deadline and let the proposals app fix the submissions
    (in the same transaction). Safe to run twice: a call already closed (or beyond) is left alone.
    A published call whose opening was missed (a stopped worker) is opened, then closed."""
    locked = Call.objects.select_for_update().get(pk=call.pk)
    if locked.state in CLOSED_STATES:
        _refresh(call, locked)
        return locked
    if locked.state == CallState.PUBLISHED and clock.now() >= locked.deadline:
        transition_call(call, CallState.OPEN, by=by, reason="opening missed before the deadline")
    transition_call(call, CallState.CLOSED, by=by)
    # Closing starts the parallel evaluation at once: both Sides get their eligibility lists.
    return transition_call(call, CallState.UNDER_EVALUATION, by=by, reason="the call closed")


@transaction.atomic
def start_evaluation(call: Call, *, by: User | None) -> Call:
    """CLOSED → UNDER_EVALUATION; the evaluation app puts the eligible proposals into evaluation.
    Closing does this already; safe to run again (a call already in evaluation is left alone)."""
    locked = Call.objects.select_for_update().get(pk=call.pk)
    if locked.state != CallState.CLOSED and locked.state in CLOSED_STATES:
        _refresh(call, locked)
        return locked
    return transition_call(call, CallState.UNDER_EVALUATION, by=by)


def start_selection(call: Call, *, by: User) -> Call:
    return transition_call(call, CallState.SELECTION, by=by)


def award_call(call: Call, *, by: User) -> Call:
    return transition_call(call, CallState.AWARDED, by=by)


def archive_call(call: Call, *, by: User) -> Call:
    return transition_call(call, CallState.ARCHIVED, by=by)


# -- deadline changes --------------------------------------------------------------------------------


@transaction.atomic
def request_deadline_change(
    call: Call, *, by: User, new_deadline: dt.datetime, reason: str
) -> DeadlineChange:
    """Ask to move a published call's deadline (e.g. after an outage). Applied only once an officer
    of each Side approved it; the reason stays in the call's visible history."""
    _require_officer(by)
    locked = Call.objects.select_for_update().get(pk=call.pk)
    _require(
        locked.state in (CallState.PUBLISHED, CallState.OPEN),
        _("Only the deadline of a published or open call can be moved; edit a draft directly."),
    )
    errors = {}
    if not (reason or "").strip():
        errors["reason"] = [_("Give the reason for moving the deadline.")]
    if new_deadline <= clock.now():
        errors["new_deadline"] = [_("The new deadline must be in the future.")]
    elif new_deadline <= locked.opens_at:
        errors["new_deadline"] = [_("The new deadline must be after the call opens.")]
    elif new_deadline == locked.deadline:
        errors["new_deadline"] = [_("This is the current deadline.")]
    if locked.deadline_changes.filter(applied_at__isnull=True, withdrawn_at__isnull=True).exists():
        errors["__all__"] = [_("Another deadline change of this call is waiting for approval.")]
    if errors:
        raise ValidationError(errors)
    change = DeadlineChange.objects.create(
        call=locked,
        old_deadline=locked.deadline,
        new_deadline=new_deadline,
        reason=reason.strip(),
        requested_by=by,
    )
    audit(
        "call.deadline_change_requested",
        by=by,
        obj=locked,
        old=locked.deadline.isoformat(),
        new=new_deadline.isoformat(),
        reason=reason,
    )
    return change


@transaction.atomic
def approve_deadline_change(change: DeadlineChange, *, by: User) -> tuple[DeadlineChange, bool]:
    """Record ``by``'s Side's approval; the second Side's approval applies the change: the call's
    deadline moves, the change is stamped ``applied_at``, the audit log records it and the schedule
    follows. Returns the change and whether it was applied now."""
    _require_officer(by)
    call = Call.objects.select_for_update().get(pk=change.call_id)
    locked = DeadlineChange.objects.select_for_update().get(pk=change.pk)
    _require(locked.applied_at is None, _("This deadline change has already been applied."))
    _require(locked.withdrawn_at is None, _("This deadline change was withdrawn."))
    _require(
        call.state in (CallState.PUBLISHED, CallState.OPEN),
        _("The call is no longer published or open; its deadline cannot move."),
    )
    _require(
        call.deadline == locked.old_deadline,
        _("The call's deadline changed since this request was made; ask again."),
    )
    _approval, both = approve(locked, "1", by=by)
    if not both:
        return locked, False
    _require(locked.new_deadline > clock.now(), _("The new deadline has passed; ask again."))
    call.deadline = locked.new_deadline
    call.save(update_fields=["deadline", "updated_at"])
    locked.applied_at = clock.now()
    locked.save(update_fields=["applied_at"])
    audit(
        "call.deadline_changed",
        by=by,
        obj=call,
        old=locked.old_deadline.isoformat(),
        new=locked.new_deadline.isoformat(),
        reason=locked.reason,
    )
    from .scheduling import call_instants_changed

    call_instants_changed(call)
    _refresh(change, locked)
    return locked, True


@transaction.atomic
def withdraw_deadline_change(change: DeadlineChange, *, by: User) -> DeadlineChange:
    """An officer withdraws a pending request (so another can be made)."""
    _require_officer(by)
    locked = DeadlineChange.objects.select_for_update().get(pk=change.pk)
    _require(locked.applied_at is None, _("This deadline change has already been applied."))
    _require(locked.withdrawn_at is None, _("This deadline change was already withdrawn."))
    locked.withdrawn_at = timezone.now()
    locked.save(update_fields=["withdrawn_at"])
    audit("call.deadline_change_withdrawn", by=by, obj=locked.call)
    _refresh(change, locked)
    return locked


def _refresh(stale, fresh) -> None:
    """Let the caller's instance see what the service wrote to the locked copy."""
    if stale is fresh:
        return
    for field in fresh._meta.concrete_fields:
        setattr(stale, field.attname, getattr(fresh, field.attname))
