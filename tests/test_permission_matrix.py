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
from django.core.files.base import ContentFile
from django.db import transaction
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


def _evaluation_world(actors):
    """One proposal under evaluation on both Sides: each Side's evaluator assigned with a submitted
    review, the EU consensus final, nothing released."""
    from evaluation.models import CallEvaluation
    from tests.evaluation.conftest import EU_PASS, JP_PASS
    from tests.factories import (
        make_assignment,
        make_call_in_evaluation,
        make_final_consensus,
        make_review,
        side_evaluation,
    )

    call, (proposal,) = make_call_in_evaluation(1)
    eu, jp = side_evaluation(proposal, "EU"), side_evaluation(proposal, "JP")
    eu_assignment = make_assignment(eu, actors["evaluator", "EU"], officer=actors["officer", "EU"])
    jp_assignment = make_assignment(jp, actors["evaluator", "JP"], officer=actors["officer", "JP"])
    eu_review = make_review(eu_assignment, EU_PASS)
    make_review(jp_assignment, JP_PASS)
    consensus = make_final_consensus(eu, EU_PASS, officer=actors["officer", "EU"])
    return {
        "call": call,
        "eu": eu,
        "jp": jp,
        "eu_assignment": eu_assignment,
        "eu_review": eu_review,
        "consensus": consensus,
        "eu_call": CallEvaluation.objects.get(call=call, side__code="EU"),
        "jp_pass": JP_PASS,
    }


def _evaluation(key):
    def scenario(actors):
        obj = _evaluation_world(actors)[key]
        return {"args": [obj.pk], "id": obj.pk, "marker": None}

    return scenario


def _selection(actors):
    from evaluation import services as evaluation
    from evaluation.models import CallEvaluation
    from tests.factories import make_final_consensus

    world = _evaluation_world(actors)
    make_final_consensus(world["jp"], world["jp_pass"], officer=actors["officer", "JP"])
    evaluation.release_consensus(world["eu_call"], by=actors["officer", "EU"])
    jp_call = CallEvaluation.objects.get(call=world["call"], side__code="JP")
    evaluation.release_consensus(jp_call, by=actors["officer", "JP"])
    selection = evaluation.open_selection(world["call"])
    return {"args": [world["call"].pk], "id": selection.pk, "marker": None}


def _selection_api(actors):
    world = _selection(actors)
    return {"args": [world["id"]], "id": world["id"], "marker": None}


def _plan_version(actors):
    version = _plan(actors)["version"]
    return {"args": [version.pk], "id": version.pk, "marker": None}


def _project(actors):
    from tests.reporting.helpers import make_project

    project = make_project(
        officer=actors["officer", "EU"],
        coordinator=actors["researcher", "EU"],
        jp_coordinator=actors["researcher", "JP"],
    )
    return {"args": [project.pk], "id": project.pk, "marker": None, "project": project}


def _report(actors):
    project = _project(actors)["project"]
    report = project.reports.order_by("number").first()
    return {"args": [report.pk], "id": report.pk, "marker": None, "report": report}


def _assessment(actors):
    from reporting import services as reporting

    report = _report(actors)["report"]
    reporting.update_report(report, by=actors["researcher", "EU"], summary="Matrix progress.")
    reporting.submit_report(report, by=actors["researcher", "EU"])
    assessment = reporting.assess_report(
        report, by=actors["officer", "EU"], rating="on_track", comments="Good progress."
    )
    return {"args": [assessment.pk], "id": assessment.pk, "marker": None}


def _export(actors):
    from reporting import services as reporting

    job = reporting.start_export("csv", by=actors["officer", "EU"])
    reporting.run_export(job.pk)
    return {"args": [job.pk], "id": job.pk, "marker": None}


SCENARIOS = {
    "topic": _topic,
    "opinion": _opinion,
    "plan": _plan,
    "draft_call": _draft_call,
    "open_call": _open_call,
    "proposal": _proposal,
    "annex": _annex,
    "annex_api": _annex_api,
    "partner": _partner,
    "receipt": _receipt,
    "submission": _submission,
    "assignment": _evaluation("eu_assignment"),
    "review": _evaluation("eu_review"),
    "consensus_page": _evaluation("eu"),
    "consensus": _evaluation("consensus"),
    "ranking": _evaluation("eu_call"),
    "selection": _selection,
    "selection_api": _selection_api,
    "plan_version": _plan_version,
    "project": _project,
    "report": _report,
    "assessment": _assessment,
    "export": _export,
    "none": _none,
    "letter": _letter,
    "signature": _signature,
    "notice": _notice,
    "decision": _decision,
    "divergence": _divergence,
    "disclosure": _disclosure,
    "audit_eu": _audit(["EU"]),
    "audit_joint": _audit(["EU", "JP"]),
}

# Bodies of the API actions the matrix posts.
BODIES = {
    "api:governance-notice-decide": {
        "effective_on": (dt.date.today() + dt.timedelta(days=10)).isoformat(),
        "text": "Both Sides agree on an earlier date.",
    },
    "api:governance-letter-receipt": {"notification_received_on": "2025-05-20"},
    "api:governance-divergence-position": {"text": "Our position."},
    "api:governance-divergence-escalate": {"escalated_on": "2026-11-01", "escalated_to": "DDG"},
    "api:governance-divergence-resolve": {"resolution": "Agreed.", "resolved_on": "2026-11-02"},
}


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


def attempt(client: Client, row: dict, scenario: dict) -> bool:
    """True when the action succeeded, False when it was refused; anything else fails the test."""
    url, is_list = _url(row["target"], scenario)
    via = row["via"]
    if via == "api-post":
        response = client.post(
            url, json.dumps(BODIES.get(row["target"], {})), content_type="application/json"
        )
        assert response.status_code < 500, response.content[:500]
        if response.status_code in (403, 404, 405):
            return False
        assert 200 <= response.status_code < 300, (response.status_code, response.content[:500])
        return True
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
