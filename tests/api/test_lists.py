"""Every list of the API, as a user who sees something there: paged (``count``/``next``/``results``
with ``page_size``), ordered by one of its ordering fields (both ways) and filtered by one of its
filters, each answering 200 and changing the result as a user would expect.

The endpoints come from the OpenAPI schema, so a new list is checked without being named here. The
data are the demo's, plus the few records it has none of, built once for the whole module."""

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.urls import resolve
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from calls import services as call_services
from calls.models import Call
from calls.services import request_deadline_change
from evaluation.selectors import proposals_with_summary_for_user
from evaluation.services import file_review_request
from loi_portal import governance
from loi_portal.governance_models import DisclosureAudience
from loi_portal.models import Organisation, Side, User
from proposals.models import Proposal
from reporting.models import PeriodicReport
from reporting.permissions import can_edit_report
from reporting.services import add_attachment, record_exchange_rate, start_export
from tests.proposals.conftest import pdf_upload

# Who looks at each list: the first of these who sees anything there.
PEOPLE = ["eu_officer", "jp_officer", "eu_researcher", "jp_researcher", "eu_evaluator1", "eu_expert"]
NOT_FILTERS = {"page", "page_size", "ordering", "search"}


_SCHEMA = SchemaGenerator().get_schema(request=None, public=True)
# Each GET operation's query parameters, by path.
PARAMETERS = {
    path: [p["name"] for p in operations["get"].get("parameters", [])]
    for path, operations in _SCHEMA["paths"].items()
    if "get" in operations
}
# The paged lists: GET without a path parameter, taking ``page``.
LIST_PATHS = sorted(path for path, names in PARAMETERS.items() if "{" not in path and "page" in names)


def _extras(users: dict) -> None:
    """What the demo has none of: moved deadlines, requests for review, exports, disclosure
    permissions, discontinuation notices and decisions (two of each where they can differ)."""
    eu, jp = users["eu_officer"], users["jp_officer"]
    calls = Call.objects.filter(state__in=["published", "open"]).order_by("pk")[:2]
    for days, by, call in zip((7, 14), (eu, jp), calls, strict=False):
        request_deadline_change(
            call, by=by, new_deadline=call.deadline + dt.timedelta(days=days), reason=f"{days} more days"
        )
    for side in Side.objects.all():
        for proposal in Proposal.objects.all():
            member = next(
                (
                    u
                    for u in (users["eu_researcher"], users["jp_researcher"])
                    if proposals_with_summary_for_user(u).filter(pk=proposal.pk).exists()
                ),
                None,
            )
            if member is not None:
                file_review_request(proposal, by=member, side=side, text="The panel met without a quorum.")
                break
    start_export("csv", by=eu, language="en")
    start_export("xlsx", by=eu, language="ja")
    proposal = Proposal.objects.order_by("pk").first()
    today = timezone.localdate()
    governance.record_disclosure_permission(
        proposal,
        what="Abstract",
        provided_by=Organisation.objects.get(country="NL"),
        audience=DisclosureAudience.OTHER_SIDE,
        to_side=Side.objects.get(code="JP"),
        permitted_on=today,
        permission_text="Agreed by e-mail.",
        by=eu,
    )
    governance.record_disclosure_permission(
        proposal,
        what="Budget",
        provided_by=Organisation.objects.get(country="NL"),
        audience=DisclosureAudience.THIRD_PARTY,
        third_party="Digital Partnership Council",
        permitted_on=today - dt.timedelta(days=3),
        permission_text="Signed letter.",
        by=eu,
    )
    for days, rate in ((1, "161.25"), (2, "162.50")):
        record_exchange_rate(rate_date=today - dt.timedelta(days=days), jpy_per_eur=Decimal(rate), by=eu)
    # One attachment on each of two draft reports, so that the report filter tells them apart.
    for report in PeriodicReport.objects.filter(state="draft").order_by("pk")[:2]:
        coordinator = next(
            u for u in (users["eu_researcher"], users["jp_researcher"]) if can_edit_report(u, report)
        )
        add_attachment(report, pdf_upload(name=f"report-{report.pk}.pdf"), by=coordinator)
    # Call documents are new (being added beside this test): give them two when they exist.
    add_call_document = getattr(call_services, "add_call_document", None)
    draft = Call.objects.filter(state="draft").order_by("pk").first()
    if add_call_document and draft:
        for title, kind in (("Guide for applicants", "guide"), ("Model agreement", "agreement")):
            add_call_document(draft, by=eu, file=pdf_upload(name=f"{kind}.pdf"), title=title, kind=kind)
    for by, given_on in ((eu, today - dt.timedelta(days=10)), (jp, today - dt.timedelta(days=5))):
        notice = governance.give_discontinuation_notice(given_on=given_on, text="We end our part.", by=by)
        other = jp if by == eu else eu
        governance.propose_discontinuation_decision(
            notice,
            effective_on=given_on + dt.timedelta(days=30),
            text="Earlier, by mutual decision.",
            by=other,
        )


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    # Built once, in a transaction rolled back after the module; uploads go to a folder of its own.
    media = override_settings(
        MEDIA_ROOT=tmp_path_factory.mktemp("media"),
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    with media, django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=io.StringIO())
        users = {u.username: u for u in User.objects.filter(username__in=PEOPLE)}
        _extras(users)
        yield users
        transaction.set_rollback(True)


def _key(name: str, row: dict) -> str | None:
    """The field of a result that a filter or an ordering parameter is about (``side__code`` is
    about ``side``, which the API shows as the code)."""
    for candidate in (name, name.removesuffix("__isnull"), name.removesuffix("__code")):
        if candidate in row:
            return candidate
    return None


def _value(value):
    """A result's value as a filter takes it: a nested object by its id; None when not comparable."""
    if isinstance(value, dict):
        return value.get("id")
    return None if isinstance(value, list) else value


def _sortable(value):
    try:  # decimals come as strings ("10.500"): order them as numbers, as the database does
        return float(value) if isinstance(value, str) else value
    except ValueError:
        return value


def _get(client, path, **params):
    response = client.get(path, params)
    assert response.status_code == 200, (path, params, response.content[:300])
    return response.json()


@pytest.fixture
def viewer(demo, db):
    def for_path(path):
        for username in PEOPLE:
            client = APIClient()
            client.force_authenticate(demo[username])
            page = _get(client, path)
            if page["count"]:
                return client, page
        pytest.fail(f"nobody sees anything in {path}: give the list some data in _extras")

    return for_path


@pytest.mark.parametrize("path", LIST_PATHS)
def test_list_pages_orders_and_filters(viewer, path):
    client, page = viewer(path)
    rows, total = page["results"], page["count"]
    ids = [row["id"] for row in rows]
    view = resolve(path).func.cls

    # Paging: one per page, the second page is the next row.
    first = _get(client, path, page_size=1)
    assert first["count"] == total and len(first["results"]) == 1 and first["previous"] is None
    if total >= 2:
        assert first["next"] and "page_size=1" in first["next"]
        second = client.get(first["next"]).json()
        assert [first["results"][0]["id"], second["results"][0]["id"]] == ids[:2]
    else:
        assert first["next"] is None

    # Ordering: by a field whose values differ, ascending then descending.
    assert view.ordering_fields, f"{path} names no ordering_fields"
    ordered = False
    for field in view.ordering_fields:
        key = _key(field, rows[0])
        values = [_value(row.get(key)) for row in rows] if key else [None]
        if None in values or len(set(values)) < 2:
            continue
        up = [_sortable(_value(r[key])) for r in _get(client, path, ordering=field, page_size=200)["results"]]
        down = [
            _sortable(_value(r[key]))
            for r in _get(client, path, ordering=f"-{field}", page_size=200)["results"]
        ]
        assert up == sorted(up) and down == sorted(down, reverse=True), (path, field, up, down)
        assert up != down
        ordered = True
        break
    for field in view.ordering_fields:  # every declared field is accepted
        _get(client, path, ordering=f"-{field}", page_size=1)
    if total >= 2 and len(rows) >= 2:
        assert ordered, f"no ordering field of {path} tells its rows apart"

    # Filtering: a value of the first row keeps the rows that have it and leaves out the others.
    filters = [p for p in PARAMETERS[path] if p not in NOT_FILTERS]
    assert filters, f"{path} has no filter"
    narrowed = False
    for name in filters:
        key = _key(name, rows[0])
        if key is None:
            _get(client, path, **{name: ""})
            continue
        if name.endswith("__isnull"):
            value, expect = ("true", None) if rows[0][key] is None else ("false", "not null")
            kept = _get(client, path, **{name: value}, page_size=200)["results"]
            assert all((row[key] is None) == (expect is None) for row in kept), (path, name)
        elif _value(rows[0][key]) is not None:
            value = _value(rows[0][key])
            sent = json.dumps(value) if isinstance(value, bool) else str(value)
            kept = _get(client, path, **{name: sent}, page_size=200)["results"]
            assert all(str(value).lower() in str(_value(row[key])).lower() for row in kept), (
                path,
                name,
                value,
            )
        else:
            continue
        assert rows[0]["id"] in [row["id"] for row in kept]
        narrowed = narrowed or len(kept) < total
    if total >= 2:
        assert narrowed, f"no filter of {path} tells its rows apart"
