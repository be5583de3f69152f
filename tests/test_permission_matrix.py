"""The permission matrix of docs/permissions.md, tried cell by cell.

Every row of every table in the document whose header starts with ``| object | action | via |``
becomes ten tests: the row's action through its page, API endpoint or download, as each role of each
Side. A ✓ must succeed, anything else must be refused. Rows marked ``pending`` are skipped (their
page does not exist yet). The scenarios below build each object with the ten users in the fixed
relationships the document describes."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import messages
from django.core.files.base import ContentFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.forms import BaseForm
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import NoReverseMatch, reverse

from loi_portal import governance
from loi_portal.governance_models import LetterOfIntent
from loi_portal.services import audit
from tests.factories import OrganisationFactory, TopicFactory, make_user

DOC = Path(__file__).resolve().parent.parent / "docs" / "permissions.md"
ROLES = ["officer", "researcher", "evaluator", "expert", "observer"]
SIDES = ["EU", "JP"]
ALLOWED, DENIED, PENDING = "✓", "—", "pending"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


# -- parsing the matrix ------------------------------------------------------------------------------


def parse_matrix(text: str) -> list[dict]:
    """The rows of every matrix table: object, action, via, target, scenario, {(role, side): cell}."""
    rows, columns = [], None
    for line in text.splitlines():
        if not line.startswith("|"):
            columns = None
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells[:3] == ["object", "action", "via"]:
            columns = cells
            continue
        if columns is None or set(cells[0]) <= {"-"}:
            continue
        row = dict(zip(columns, cells, strict=True))
        row["cells"] = {(role, side): row[f"{role} {side}"] for role in ROLES for side in SIDES}
        rows.append(row)
    return rows


MATRIX = parse_matrix(DOC.read_text(encoding="utf-8"))


def _rows():
    """One test per row of the matrix: its scenario is built once and every cell tried against it."""
    for row in MATRIX:
        marks = [pytest.mark.skip(reason="page pending")] if row["target"] == PENDING else []
        yield pytest.param(
            row, id=f"{row['object']}-{row['action']}-{row['via']}".replace(" ", "_"), marks=marks
        )


# -- scenarios: each object with the ten users in fixed relationships ------------------------------------


class Actors(dict):
    """The ten users, made on first use: ``actors["officer", "EU"]``."""

    def __missing__(self, key):
        role, side = key
        user = make_user(side, role)
        self[key] = user
        return user


def _none(actors):
    return {"args": [], "id": None, "marker": None}


def _letter(actors):
    letter = LetterOfIntent.objects.get()
    return {"args": [letter.pk], "id": letter.pk, "marker": "KIUCHI Minoru"}


def _signature(actors):
    letter = LetterOfIntent.objects.get()
    return {"args": [letter.pk, letter.signatures.first().pk], "id": letter.pk, "marker": None}


def _notice(actors):
    notice = governance.give_discontinuation_notice(
        given_on=dt.date.today(), text="Matrix notice text.", by=actors["officer", "EU"]
    )
    notice.document.save("notice.pdf", ContentFile(PDF))
    return {"args": [notice.pk], "id": notice.pk, "marker": None}


def _decision(actors):
    notice = governance.give_discontinuation_notice(
        given_on=dt.date.today(), text="Matrix notice.", by=actors["officer", "EU"]
    )
    decision = governance.propose_discontinuation_decision(
        notice,
        effective_on=dt.date.today() + dt.timedelta(days=10),
        text="Earlier.",
        by=actors["officer", "EU"],
    )
    decision.document.save("decision.pdf", ContentFile(PDF))
    return {"args": [decision.pk], "id": decision.pk, "marker": None}


def _divergence(actors):
    divergence = governance.open_divergence(
        "Matrix divergence", by=actors["officer", "EU"], linked=[TopicFactory()]
    )
    governance.write_divergence_position(divergence, text="EU position.", by=actors["officer", "EU"])
    return {"args": [divergence.pk], "id": divergence.pk, "marker": "Matrix divergence"}


def _disclosure(actors):
    permission = governance.record_disclosure_permission(
        TopicFactory(),
        what="Matrix disclosure",
        provided_by=OrganisationFactory(side_code="JP"),
        audience="third_party",
        third_party="Digital Partnership Council",
        permitted_on=dt.date(2026, 11, 1),
        permission_text="Agreed.",
        by=actors["officer", "EU"],
    )
    permission.document.save("permission.pdf", ContentFile(PDF))
    return {"args": [permission.pk], "id": permission.pk, "marker": "Matrix disclosure"}


def _audit(sides):
    def scenario(actors):
        entry = audit(f"matrix.{'-'.join(sides)}", by=None, sides=sides)
        return {"args": [entry.pk], "id": entry.pk, "marker": entry.action}

    return scenario


# -- the other apps' objects -------------------------------------------------------------------------


def _topic(actors):
    from calls import services as calls

    topic = calls.propose_topic(
        by=actors["officer", "EU"],
        title="Matrix topic: quantum gravimetry",
        description="Quantum sensors for seismic warning.",
        challenge="seismic",
    )
    opinion = calls.request_opinion(topic, expert=actors["expert", "EU"], by=actors["officer", "EU"])
    return {"args": [topic.pk], "id": topic.pk, "marker": topic.title, "opinion": opinion}


def _opinion(actors):
    opinion = _topic(actors)["opinion"]
    return {"args": [opinion.pk], "id": opinion.pk, "marker": None}


def _plan(actors):
    from calls import services as calls
    from tests.calls.helpers import plan_data

    version = calls.create_plan(by=actors["officer", "EU"], name="Matrix plan", **plan_data())
    return {"args": [version.plan_id], "id": version.plan_id, "marker": "Matrix plan", "version": version}


def _draft_call(actors):
    from calls.enums import CallState
    from tests.factories import make_call

    call = make_call(state=CallState.DRAFT, title="Matrix draft call")
    return {"args": [call.pk], "id": call.pk, "marker": "Matrix draft call"}


def _open_call(actors):
    from calls.enums import CallState
    from tests.factories import make_call

    call = make_call(state=CallState.OPEN, title="Matrix open call")
    return {"args": [call.pk], "id": call.pk, "marker": "Matrix open call"}


def _proposal(actors, *, submit=False):
    from calls.enums import CallState
    from proposals import services as proposals
    from tests.factories import make_call
    from tests.proposals.conftest import ready

    call = make_call(state=CallState.OPEN)
    proposal = ready(call, actors["researcher", "EU"], acronym="MATRIXP")
    if submit:
        proposals.submit_proposal(proposal, by=actors["researcher", "EU"])
    annex = proposal.annexes.first()
    partner = proposal.partners.first()
    return {
        "args": [proposal.pk],
        "id": proposal.pk,
        "marker": "MATRIXP",
        "annex": annex,
        "partner": partner,
        "proposal": proposal,
    }


def _annex(actors):
    world = _proposal(actors)
    return {"args": [world["proposal"].pk, world["annex"].pk], "id": world["annex"].pk, "marker": None}


def _annex_api(actors):
    world = _proposal(actors)
    return {"args": [world["annex"].pk], "id": world["annex"].pk, "marker": None}


def _partner(actors):
    world = _proposal(actors)
    return {"args": [world["partner"].pk], "id": world["partner"].pk, "marker": None}


def _receipt(actors):
    world = _proposal(actors, submit=True)
    submission = world["proposal"].submissions.get()
    return {"args": [world["proposal"].pk, submission.version], "id": submission.pk, "marker": None}


def _submission(actors):
    world = _proposal(actors, submit=True)
    submission = world["proposal"].submissions.get()
    return {"args": [submission.pk], "id": submission.pk, "marker": None}


EVALUATION_STAGES = (
    "assigned",  # both evaluators assigned; the EU evaluator has not declared yet
    "reviewing",  # the EU evaluator declared and has a complete draft review; the EU consensus is a draft
    "reviewed",  # both reviews submitted, the EU consensus final, nothing released
    "eu_released",  # and the EU released its consensus
    "both_released",  # and the JP consensus final and released: the joint selection is open
    "decided",  # and the proposal's outcome recorded as selected
    "in_effect",  # and both Sides approved the list: the selection is in effect, the summary out
    "funded",  # and the EU funded its participant
    "review_request",  # and the EU researcher asked the EU Side to review its evaluation
)


def _evaluation_world(actors, stage="reviewed"):
    """One proposal (coordinated by the EU researcher) under evaluation on both Sides, each Side's
    evaluator assigned, taken through the services up to ``stage`` (see EVALUATION_STAGES)."""
    from calls.enums import CallState
    from evaluation import services as evaluation
    from evaluation.enums import SelectionOutcome
    from evaluation.models import CallEvaluation
    from loi_portal.models import Side
    from tests.evaluation.conftest import EU_PASS, JP_PASS
    from tests.factories import (
        make_assignment,
        make_call,
        make_final_consensus,
        make_review,
        make_submitted_proposal,
        side_evaluation,
    )

    reached = EVALUATION_STAGES.index(stage)
    call = make_call(state=CallState.UNDER_EVALUATION)
    proposal = make_submitted_proposal(call=call, coordinator=actors["researcher", "EU"], acronym="MATRIXE")
    evaluation.on_evaluation_started(call)
    eu, jp = side_evaluation(proposal, "EU"), side_evaluation(proposal, "JP")
    eu_officer, jp_officer = actors["officer", "EU"], actors["officer", "JP"]
    world = {
        "call": call,
        "proposal": proposal,
        "eu": eu,
        "jp": jp,
        "eu_call": CallEvaluation.objects.get(call=call, side__code="EU"),
        "jp_call": CallEvaluation.objects.get(call=call, side__code="JP"),
        "eu_partner": proposal.partners.get(side__code="EU"),
    }
    world["eu_assignment"] = make_assignment(
        eu, actors["evaluator", "EU"], officer=eu_officer, declare=reached > 0
    )
    jp_assignment = make_assignment(jp, actors["evaluator", "JP"], officer=jp_officer)
    if reached == 0:
        return world
    world["eu_review"] = make_review(world["eu_assignment"], EU_PASS, submit=reached > 1)
    if reached == 1:
        world["consensus"] = evaluation.save_consensus(
            eu,
            by=eu_officer,
            scores={code: {"score": v, "comment": f"On {code}."} for code, v in EU_PASS.items()},
            overall_comment="The panel agreed.",
        )
        return world
    make_review(jp_assignment, JP_PASS)
    world["consensus"] = make_final_consensus(eu, EU_PASS, officer=eu_officer)
    if reached >= 3:
        evaluation.release_consensus(world["eu_call"], by=eu_officer)
    if reached >= 4:
        make_final_consensus(jp, JP_PASS, officer=jp_officer)
        evaluation.release_consensus(world["jp_call"], by=jp_officer)
        world["selection"] = evaluation.open_selection(call)
        world["entry"] = world["selection"].entries.get()
    if reached >= 5:
        evaluation.record_selection(world["entry"], SelectionOutcome.SELECTED, by=eu_officer)
        world["selection"].refresh_from_db()
        world["version"] = evaluation.selection_hash(world["selection"])
    if reached >= 6:
        evaluation.approve_selection(world["selection"], by=eu_officer)
        evaluation.approve_selection(world["selection"], by=jp_officer)
    if reached >= 7:
        world["decision"] = evaluation.record_funding(world["eu_partner"], 90_000_000, by=eu_officer)
    if reached >= 8:
        world["request"] = evaluation.file_review_request(
            proposal,
            by=actors["researcher", "EU"],
            side=Side.objects.get(code="EU"),
            text="Only two experts reviewed the proposal.",
        )
    return world


def _evaluation(key, stage="reviewed", *, args=None, marker=None):
    """A scenario on the evaluation world at ``stage``: the object ``world[key]`` (its pk the URL's
    argument unless ``args`` says otherwise)."""

    def scenario(actors):
        world = _evaluation_world(actors, stage)
        obj = world[key]
        return {
            "args": args(world) if args else [obj.pk],
            "id": obj.pk,
            "marker": marker(world) if marker else None,
            "world": world,
        }

    return scenario


def _number(world):
    return world["proposal"].number


def _call_pk(world):
    return [world["call"].pk]


def _plan_version(actors):
    version = _plan(actors)["version"]
    return {"args": [version.pk], "id": version.pk, "marker": None}


def _approved_draft_call(actors):
    """A draft call that both Sides approved, with a plan in force and agreed topics: ready to publish."""
    from django.utils import timezone

    from calls import services as calls
    from calls.enums import CallState
    from tests.factories import make_call

    now = timezone.now()
    call = make_call(state=CallState.DRAFT, opens_at=now + dt.timedelta(days=1), title="Matrix approved call")
    for side in SIDES:
        calls.approve_call_text(call, by=actors["officer", side])
    return {"args": [call.pk], "id": call.pk, "marker": None}


def _transition_to_published(actors):
    world = _approved_draft_call(actors)
    return {**world, "args": [world["id"], "published"]}


def _call_document(actors, *, published=False):
    """A guide added by the EU officer to a draft call; ``published``: then both Sides approved the
    text (with the document) and the call was published."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from calls import services as calls
    from calls.enums import CallState
    from tests.factories import make_call
    from tests.proposals.pdfs import good_pdf

    call = make_call(state=CallState.DRAFT, opens_at=timezone.now() + dt.timedelta(days=1))
    document = calls.add_call_document(
        call,
        by=actors["officer", "EU"],
        file=SimpleUploadedFile("guide.pdf", good_pdf(), content_type="application/pdf"),
        title="Matrix guide for applicants",
        kind="guide",
    )
    if published:
        for side in SIDES:
            calls.approve_call_text(call, by=actors["officer", side])
        calls.publish_call(call, by=actors["officer", "EU"])
    return {
        "args": [call.pk, document.pk],
        "id": document.pk,
        "marker": "Matrix guide for applicants",
        "call_args": [call.pk],
    }


def _call_documents_page(actors):
    world = _call_document(actors)
    return {**world, "args": world["call_args"]}


def _document_api(published):
    def scenario(actors):
        world = _call_document(actors, published=published)
        return {**world, "args": [world["id"]]}

    return scenario


def _deadline_change(actors):
    from calls import services as calls

    call_id = _open_call(actors)["id"]
    from calls.models import Call

    call = Call.objects.get(pk=call_id)
    change = calls.request_deadline_change(
        call,
        by=actors["officer", "EU"],
        new_deadline=call.deadline + dt.timedelta(days=7),
        reason="A documented outage of the portal.",
    )
    return {"args": [change.pk], "id": change.pk, "marker": None}


def _topic_with_experts(actors):
    world = _topic(actors)
    return {**world, "jp_expert": actors["expert", "JP"].pk}


def _invitation(actors):
    """The EU researcher invites the JP researcher (by e-mail) into the draft's consortium."""
    from proposals import services as proposals

    world = _proposal(actors)
    member = proposals.invite_co_applicant(
        world["proposal"], by=actors["researcher", "EU"], email=actors["researcher", "JP"].email
    )
    return {"args": [member.invitation_token], "id": member.pk, "marker": None}


def _closed_proposal(actors):
    """The EU researcher's proposal, submitted before the deadline; then the call closed (which grants
    the officers of both Sides ``view_proposal``)."""
    from django.utils import timezone

    from calls import services as calls
    from calls.models import Call

    world = _proposal(actors, submit=True)
    call = world["proposal"].call
    Call.objects.filter(pk=call.pk).update(deadline=timezone.now() - dt.timedelta(minutes=1))
    calls.close_call(Call.objects.get(pk=call.pk), by=None)
    return {**world, "args": [world["proposal"].pk], "call_args": [call.pk]}


def _closed_call_proposals(actors):
    world = _closed_proposal(actors)
    return {**world, "args": world["call_args"]}


def _project(actors):
    from tests.reporting.helpers import make_project

    project = make_project(
        officer=actors["officer", "EU"],
        coordinator=actors["researcher", "EU"],
        jp_coordinator=actors["researcher", "JP"],
        acronym="MATRIXR",
    )
    return {"args": [project.pk], "id": project.pk, "marker": "MATRIXR", "project": project}


def _selected_proposal(actors):
    """A selected, funded proposal of both researchers without a project yet."""
    from tests.reporting.helpers import make_selected_proposal

    proposal = make_selected_proposal(
        coordinator=actors["researcher", "EU"], jp_coordinator=actors["researcher", "JP"]
    )
    return {"args": [proposal.pk], "id": proposal.pk, "marker": None}


def _report(actors, *, summary=False, submitted=False):
    from reporting import services as reporting

    project = _project(actors)["project"]
    report = project.reports.order_by("number").first()
    if summary or submitted:
        report = reporting.update_report(report, by=actors["researcher", "EU"], summary="Matrix progress.")
    if submitted:
        reporting.submit_report(report, by=actors["researcher", "EU"])
    return {"args": [report.pk], "id": report.pk, "marker": None, "report": report}


def _report_item(actors):
    from reporting import services as reporting

    world = _report(actors)
    result = reporting.add_result(
        world["report"], by=actors["researcher", "EU"], kind="dataset", title="Matrix dataset", year=2026
    )
    return {**world, "args": [world["id"], "result", result.pk]}


def _report_attachment(actors):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from reporting import services as reporting
    from tests.proposals.pdfs import good_pdf

    world = _report(actors)
    attachment = reporting.add_attachment(
        world["report"],
        SimpleUploadedFile("minutes.pdf", good_pdf(), content_type="application/pdf"),
        by=actors["researcher", "EU"],
    )
    return {**world, "args": [world["id"], attachment.pk]}


def _report_result(actors):
    from reporting import services as reporting

    world = _report(actors)
    result = reporting.add_result(
        world["report"], by=actors["researcher", "EU"], kind="dataset", title="Matrix dataset", year=2026
    )
    return {**world, "args": [world["id"], result.pk]}


def _report_activity(actors):
    from reporting import services as reporting

    world = _report(actors)
    activity = reporting.add_activity(
        world["report"],
        by=actors["researcher", "EU"],
        kind="meeting",
        title="Matrix kick-off",
        start_date=dt.date(2026, 5, 1),
    )
    return {**world, "args": [world["id"], activity.pk]}


def _report_attachment_api(actors):
    world = _report_attachment(actors)
    attachment_pk = world["args"][1]
    return {**world, "args": [attachment_pk], "id": attachment_pk}


def _exchange_rate(actors):
    from decimal import Decimal

    from reporting import services as reporting

    rate = reporting.record_exchange_rate(
        rate_date=dt.date(2026, 11, 30), jpy_per_eur=Decimal("161.2300"), by=actors["officer", "EU"]
    )
    return {"args": [rate.pk], "id": rate.pk, "marker": None}


def _role_confirmation(actors):
    """The EU officer invites the EU researcher's existing account to the expert role: the account
    gets a link to accept it (the token below is the mailed link's)."""
    from loi_portal import services as accounts

    researcher, officer = actors["researcher", "EU"], actors["officer", "EU"]
    accounts.invite_user(email=researcher.email, role="expert", by=officer)
    token = accounts.role_confirmation_token(researcher, "expert", by=officer)
    return {"args": [token], "id": researcher.pk, "marker": None}


def _assessment(actors):
    from reporting import services as reporting

    report = _report(actors, submitted=True)["report"]
    assessment = reporting.assess_report(
        report, by=actors["officer", "EU"], rating="on_track", comments="Good progress."
    )
    return {"args": [assessment.pk], "id": assessment.pk, "marker": None}


def _export(actors):
    from reporting import services as reporting

    job = reporting.start_export("csv", by=actors["officer", "EU"])
    reporting.run_export(job.pk)
    return {"args": [job.pk], "id": job.pk, "marker": None}


def _side(actors):
    side = actors["officer", "EU"].side
    return {"args": [side.pk], "id": side.pk, "marker": None}


def _organisation(actors):
    organisation = actors["researcher", "EU"].organisation
    return {"args": [organisation.pk], "id": organisation.pk, "marker": None}


def _signature_page(actors):
    signature = LetterOfIntent.objects.get().signatures.first()
    return {"args": [signature.pk], "id": signature.pk, "marker": None}


SCENARIOS = {
    "topic": _topic,
    "topic_experts": _topic_with_experts,
    "opinion": _opinion,
    "plan": _plan,
    "plan_version": _plan_version,
    "draft_call": _draft_call,
    "approved_draft_call": _approved_draft_call,
    "transition_published": _transition_to_published,
    "open_call": _open_call,
    "deadline_change": _deadline_change,
    "call_document": _call_document,
    "call_documents": _call_documents_page,
    "call_document_api": _document_api(published=False),
    "published_document": lambda actors: _call_document(actors, published=True),
    "published_document_api": _document_api(published=True),
    "proposal": _proposal,
    "annex": _annex,
    "annex_api": _annex_api,
    "partner": _partner,
    "receipt": _receipt,
    "submission": _submission,
    "invitation": _invitation,
    "closed_proposal": _closed_proposal,
    "closed_call": _closed_call_proposals,
    "assignment_pending": _evaluation("eu_assignment", "assigned"),
    "proposal_evaluation": _evaluation("eu", "assigned"),
    "proposal_evaluation_declared": _evaluation("eu", "reviewing"),
    "review_draft": _evaluation("eu_review", "reviewing"),
    "consensus_draft": _evaluation("consensus", "reviewing"),
    "assignment": _evaluation("eu_assignment"),
    "review": _evaluation("eu_review"),
    "consensus_page": _evaluation("eu"),
    "consensus": _evaluation("consensus"),
    "ranking": _evaluation("eu_call"),
    "assignment_released": _evaluation("eu_assignment", "eu_released"),
    "review_released": _evaluation("eu_review", "eu_released"),
    "consensus_released": _evaluation("consensus", "eu_released"),
    "ranking_released": _evaluation("eu_call", "eu_released"),
    "selection": _evaluation("selection", "both_released", args=_call_pk),
    "selection_api": _evaluation("selection", "both_released"),
    "selection_decided": _evaluation("selection", "decided"),
    "selection_in_effect": _evaluation("selection", "in_effect", args=_call_pk),
    "summary": _evaluation("proposal", "in_effect"),
    "funding_decision": _evaluation("decision", "funded"),
    "review_request": _evaluation("request", "review_request", marker=_number),
    "project": _project,
    "selected_proposal": _selected_proposal,
    "report": _report,
    "report_ready": lambda actors: _report(actors, summary=True),
    "report_submitted": lambda actors: _report(actors, submitted=True),
    "report_item": _report_item,
    "report_attachment": _report_attachment,
    "report_attachment_api": _report_attachment_api,
    "report_result": _report_result,
    "report_activity": _report_activity,
    "exchange_rate": _exchange_rate,
    "assessment": _assessment,
    "export": _export,
    "none": _none,
    "side": _side,
    "organisation": _organisation,
    "letter": _letter,
    "signature": _signature,
    "signature_page": _signature_page,
    "role_confirmation": _role_confirmation,
    "notice": _notice,
    "decision": _decision,
    "divergence": _divergence,
    "disclosure": _disclosure,
    "audit_eu": _audit(["EU"]),
    "audit_joint": _audit(["EU", "JP"]),
}


def _plan_data():
    from tests.calls.helpers import plan_data

    return plan_data()


def _world(scenario: dict, key: str):
    return scenario["world"][key]


def _autosave(scenario):
    from proposals.models import Proposal

    proposal = Proposal.objects.get(pk=scenario["id"])
    return {"lock_version": proposal.lock_version, "title": "Quantum links, autosaved"}


# The bodies the matrix posts (a JSON body for ``api-post``, form data for ``web-post``): a dict, or a
# function of the scenario. The body is the same for every user, so an allowed user's 2xx proves it
# valid and a refusal is the rule's, not the body's.
BODIES = {
    "api:governance-notice-decide": {
        "effective_on": (dt.date.today() + dt.timedelta(days=10)).isoformat(),
        "text": "Both Sides agree on an earlier date.",
    },
    "api:governance-letter-receipt": {"notification_received_on": "2025-05-20"},
    "api:governance-divergence-position": {"text": "Our position."},
    "api:governance-divergence-escalate": {"escalated_on": "2026-11-01", "escalated_to": "DDG"},
    "api:governance-divergence-resolve": {"resolution": "Agreed.", "resolved_on": "2026-11-02"},
    "governance:signature_receipt": {"notification_received_on": "2025-05-20"},
    # calls (a form posted empty is not bound, hence the comments)
    "calls:approve_text": {"comment": "Approved for our Side."},
    "calls:transition": {"reason": "Both Sides approved the text."},
    "calls:deadline_change_withdraw": {"comment": "No longer needed."},
    "calls:document_remove": {"comment": "Replaced by a newer guide."},
    "api:call-transition": {"to": "published", "reason": "Both Sides approved the text."},
    "api:call-deadline-change": lambda s: {
        "new_deadline": (dt.datetime.now(dt.UTC) + dt.timedelta(days=40)).isoformat(),
        "reason": "A documented outage of the portal.",
    },
    "api:topic-request-opinion": lambda s: {"expert": s["jp_expert"]},
    "api:opinion-answer": {"stance": "support", "text": "A priority for both Sides."},
    "api:plan-new-version": lambda s: _plan_data(),
    # proposals
    "proposals:withdraw": {"confirm": "on", "reason": "The consortium changed its plans."},
    "proposals:invite": {"email": "new.partner@example.org"},
    "proposals:autosave": _autosave,
    "proposals:annex_remove": {"confirm": "on"},
    "proposals:accept_invitation": {"confirm": "on"},
    # evaluation
    "api:evaluation-assignment-declare-conflict": {"conflict_type": "competitor", "note": "A competitor."},
    "evaluation:assignment": {"declaration": "none"},
    "evaluation:release": {"confirm": "on"},
    "api:evaluation-selection-record": lambda s: {"entry": _world(s, "entry").pk, "outcome": "selected"},
    "api:evaluation-selection-approve": lambda s: {"version": _world(s, "version")},
    "evaluation:funding": lambda s: {"partner": _world(s, "eu_partner").pk, "amount": "1000", "note": ""},
    "api:evaluation-review-request-list": lambda s: {
        "proposal": s["id"],
        "side": "EU",
        "text": "Only two experts reviewed the proposal.",
    },
    "evaluation:summary": lambda s: {
        "side": _world(s, "eu_partner").side_id,
        "text": "Only two experts reviewed the proposal.",
    },
    "api:evaluation-review-request-answer": {"answer": "Three experts reviewed it."},
    "evaluation:review_request": {"answer": "Three experts reviewed it."},
    "api:evaluation-proposal-evaluation-eligibility": {"eligible": False, "reason": "Out of scope."},
    "api:evaluation-proposal-evaluation-rapporteur": lambda s: {
        "rapporteur": _world(s, "eu_assignment").evaluator_id
    },
    "api:evaluation-proposal-evaluation-co-review-visibility": {"visible": True},
    # reporting
    "api:project-sensitivity": {"sensitivity": "joint"},
    "api:report-results": {
        "kind": "publication",
        "title": "Matrix paper",
        "authors": "A. Author",
        "year": 2026,
    },
    "api:report-activities": {"kind": "meeting", "title": "Kick-off meeting", "start_date": "2026-05-01"},
    "api:exchange-rate-list": {"rate_date": "2026-12-01", "jpy_per_eur": "160.5000"},
}


def _body(row: dict, scenario: dict) -> dict:
    body = BODIES.get(row["target"], {})
    return body(scenario) if callable(body) else body


# -- judging one try ---------------------------------------------------------------------------------


def _url(target: str, scenario: dict) -> tuple[str, bool]:
    """The URL of ``target`` and whether it is a list (takes no arguments)."""
    if target.endswith("-list"):
        return reverse(target), True
    try:
        return reverse(target, args=scenario["args"]), False
    except NoReverseMatch:
        return reverse(target), True


def _api_ids(response) -> set:
    body = response.json()
    rows = body["results"] if isinstance(body, dict) and "results" in body else body
    return {row.get("id") for row in rows if isinstance(row, dict)}


def _refusal_shown(response) -> bool:
    """The page said no: an error message, or a form shown again with the service's error."""
    if any(m.level >= messages.ERROR for m in messages.get_messages(response.wsgi_request)):
        return True
    for context in response.context or []:
        for value in context.flatten().values():
            if isinstance(value, BaseForm) and value.errors:
                return True
    return False


def _judge_web_post(response) -> bool:
    status = response.status_code
    if status in (403, 404, 405):
        return False
    if status in (301, 302, 303):
        assert not response["Location"].startswith(resolve_url(settings.LOGIN_URL)), response["Location"]
        return not _refusal_shown(response)
    assert status == 200, (status, response.content[:500])
    if response["Content-Type"].startswith("application/json"):
        return True
    # A page shown again after a POST counts only when it says why it refused; otherwise the body
    # is wrong (the form did not validate) and the try proves nothing.
    assert _refusal_shown(response), ("POST answered by a page without an error", response.content[:500])
    return False


def attempt(client: Client, row: dict, scenario: dict) -> bool:
    """True when the action succeeded, False when it was refused; anything else fails the test."""
    url, is_list = _url(row["target"], scenario)
    via = row["via"]
    if via == "api-post":
        response = client.post(
            url, json.dumps(_body(row, scenario), cls=DjangoJSONEncoder), content_type="application/json"
        )
        assert response.status_code < 500, response.content[:500]
        if response.status_code in (403, 404, 405):
            return False
        assert 200 <= response.status_code < 300, (response.status_code, response.content[:500])
        return True
    if via == "api-delete":
        response = client.delete(url)
        assert response.status_code < 500, response.content[:500]
        if response.status_code in (403, 404, 405):
            return False
        assert 200 <= response.status_code < 300, (response.status_code, response.content[:500])
        return True
    if via == "web-post":
        response = client.post(url, _body(row, scenario))
        assert response.status_code < 500, response.content[:500]
        return _judge_web_post(response)
    response = client.get(url)
    assert response.status_code < 500, response.content[:500]
    if response.status_code in (403, 404):
        return False
    if response.status_code == 302:
        # A page that sends a signed-in user away (e.g. to their dashboard) did not show the object.
        return False
    assert response.status_code == 200, (url, response.status_code)
    if via == "api":
        return not is_list or scenario["id"] in _api_ids(response)
    # A page of a list (its action says so) must show the object, even when its URL takes arguments.
    is_list = is_list or row["action"].startswith("list")
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if via == "download":
        return bool(content) and (
            not scenario["marker"] or scenario["marker"].encode() in content or not is_list
        )
    return not (is_list and scenario["marker"]) or scenario["marker"] in content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("row", list(_rows()))
def test_permission_matrix(row):
    """Every role of every Side tries the row's action on the same object; each try runs in a
    savepoint that is rolled back, so one user's successful action cannot change another's outcome."""
    actors = Actors()
    cells = {key: cell for key, cell in row["cells"].items() if cell != PENDING}
    for key in cells:
        actors[key]
    scenario = SCENARIOS[row["scenario"]](actors)
    wrong = []
    for (role, side), cell in cells.items():
        client = Client()
        client.force_login(actors[role, side])
        with transaction.atomic():
            succeeded = attempt(client, row, scenario)
            transaction.set_rollback(True)
        if succeeded != (cell == ALLOWED):
            wrong.append(f"{role} {side}: {'allowed' if succeeded else 'refused'}, matrix says {cell}")
    assert not wrong, f"{row['action']} {row['object']} via {row['via']} ({row['rule']}):\n" + "\n".join(
        wrong
    )


def test_the_matrix_covers_every_governance_page_and_endpoint():
    """A page or endpoint of the governance records missing from the matrix would be untested."""
    from loi_portal import governance_urls

    targets = {row["target"] for row in MATRIX}
    missing = {f"governance:{p.name}" for p in governance_urls.urlpatterns} - targets
    # The POST-only endpoints are tried through the form page of the same action.
    assert missing <= {"governance:signature_receipt", "governance:decision_approve"}


def test_every_cell_is_allowed_or_denied():
    bad = [
        (row["object"], row["action"], key, cell)
        for row in MATRIX
        for key, cell in row["cells"].items()
        if cell not in (ALLOWED, DENIED, PENDING)
    ]
    assert not bad
    assert re.search(r"\| divergence \|", DOC.read_text(encoding="utf-8"))


def _url_names() -> set[str]:
    """Every named page of the apps and every API endpoint but the router's root."""
    from django.urls import get_resolver

    names: set[str] = set()

    def walk(patterns, namespace=""):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                walk(pattern.url_patterns, namespace + (f"{pattern.namespace}:" if pattern.namespace else ""))
            elif pattern.name:
                names.add(namespace + pattern.name)

    walk(get_resolver().url_patterns)
    apps = ("governance", "calls", "proposals", "evaluation", "reporting", "api")
    return {n for n in names if n.split(":")[0] in apps and n != "api:api-root"}


def _not_yet_in_matrix() -> set[str]:
    text = DOC.read_text(encoding="utf-8")
    block = text.split("```not-in-matrix", 1)[1].split("```", 1)[0]
    return {line.split("#")[0].strip() for line in block.splitlines() if line.split("#")[0].strip()}


def test_every_page_and_endpoint_is_in_the_matrix_or_listed_as_not_yet():
    """A new page or endpoint must be added to the matrix (or, for now, to the list of those not
    yet in it), so that nothing reaches users untried."""
    targets = {row["target"] for row in MATRIX}
    listed = _not_yet_in_matrix()
    assert _url_names() - targets - listed == set()
    assert listed & targets == set(), "listed as not yet in the matrix but it is"
