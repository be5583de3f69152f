"""Monitoring indicators: counts only, unreleased selections never counted, rates named."""

import datetime as dt
from decimal import Decimal

import pytest

from calls.enums import CallState
from proposals.enums import ProposalState
from proposals.services import transition_proposal
from reporting import charts, selectors, services
from tests.factories import make_call, make_proposal
from tests.reporting.helpers import make_project, make_public

pytestmark = pytest.mark.django_db


def _in_evaluation(call, **kwargs):
    proposal = make_proposal(call=call, **kwargs)
    transition_proposal(proposal, ProposalState.SUBMITTED, by=None)
    transition_proposal(proposal, ProposalState.UNDER_EVALUATION, by=None)
    return proposal


def test_selection_of_a_call_still_in_selection_is_not_counted():
    call = make_call(state=CallState.SELECTION)
    selected = _in_evaluation(call)
    _in_evaluation(call)
    transition_proposal(selected, ProposalState.SELECTED, by=None)
    ind = selectors.monitoring_indicators()
    row = ind["calls"][0]
    assert row["received"] == 2
    assert row["selected"] is None and row["success_rate"] is None
    assert row["success_by_side"] == {"EU": None, "JP": None}
    assert ind["totals"]["selected"] == 0


def test_released_call_counts_success_per_side_and_balance(eu_officer):
    call = make_call(state=CallState.AWARDED)
    make_project(officer=eu_officer, call=call)
    rejected = _in_evaluation(call)
    transition_proposal(rejected, ProposalState.NOT_SELECTED, by=None)
    ind = selectors.monitoring_indicators()
    row = ind["calls"][0]
    assert (row["received"], row["selected"], row["success_rate"]) == (2, 1, 50.0)
    assert row["participants"] == {"EU": 2, "JP": 2}
    assert row["success_by_side"] == {"EU": 50.0, "JP": 50.0}
    assert ind["balance"]["participant_share"] == {"EU": 50.0, "JP": 50.0}
    assert ind["combined_funding_eur"] is None  # no rate recorded, no combined figure
    services.record_exchange_rate(rate_date=dt.date(2026, 3, 31), jpy_per_eur="100", by=eu_officer)
    ind = selectors.monitoring_indicators()
    # €1,000,000 + ¥50,000,000 at 100 JPY/EUR = €1,500,000.
    assert ind["combined_funding_eur"] == Decimal("1500000.00")
    assert ind["rate"].rate_date == dt.date(2026, 3, 31)
    assert ind["balance"]["funding_share"]["EU"] == pytest.approx(66.7)


def test_drafts_and_open_calls_are_not_counted():
    make_proposal(call=make_call(state=CallState.OPEN))
    assert selectors.monitoring_indicators()["calls"] == []


def test_council_audience_sees_only_public_projects(eu_officer):
    joint = make_project(officer=eu_officer)
    public = make_project(officer=eu_officer)
    make_public(public, by=eu_officer)
    council = selectors.monitoring_indicators(audience="council")
    assert council["projects"] == [public] and council["projects_withheld"] == 1
    assert set(selectors.monitoring_indicators(audience="jstcc")["projects"]) == {joint, public}


def test_charts_are_svg_with_escaped_labels():
    svg = charts.bar_chart(["<script>alert(1)</script>"], [("EU", [3])], title="T & <b>")
    assert svg.startswith("<svg") and "<script>" not in svg and "&lt;script&gt;" in svg
    assert "style=" not in svg
    line = charts.line_chart(["2026", "2027"], [("EU", [40.0, None])], title="Balance")
    assert "<circle" in line and "<polyline" not in line  # one point only: no line


def test_a_joint_project_reaches_the_council_only_with_a_recorded_permission(eu_officer):
    from loi_portal.governance import record_disclosure_permission

    joint = make_project(officer=eu_officer)
    assert selectors.monitoring_indicators(audience="council")["projects"] == []
    record_disclosure_permission(
        joint,
        what="Project outcomes",
        provided_by=joint.proposal.partners.first().organisation,
        audience="third_party",
        third_party="Digital Partnership Council",
        permitted_on=dt.date(2026, 6, 1),
        permission_text="We agree that our outcomes are reported to the Council.",
        by=eu_officer,
    )
    council = selectors.monitoring_indicators(audience="council")
    assert council["projects"] == [joint]
    assert council["sensitivity"] == "restricted"  # no longer a public document


def test_committed_funding_comes_from_the_funding_decisions_before_any_project_exists(eu_officer):
    from tests.reporting.helpers import make_selected_proposal

    awarded = make_call(state=CallState.AWARDED)
    make_selected_proposal(call=awarded)  # both Sides decided; nobody has created the project yet
    make_project(officer=eu_officer, call=awarded)
    # A call whose selection is not released shows no funding, like it shows no selection.
    make_selected_proposal(call=make_call(state=CallState.SELECTION))
    ind = selectors.monitoring_indicators()
    rows = {row["call"].pk: row for row in ind["calls"]}
    # Each selected proposal: €1,000,000 for the EU partner, ¥50,000,000 for the Japanese one.
    assert rows[awarded.pk]["funding"] == {"EU": 200_000_000, "JP": 100_000_000}
    assert ind["totals"]["funding"] == {"EU": 200_000_000, "JP": 100_000_000}
    assert ind["project_count"] == 1


def test_a_withdrawn_funding_decision_is_no_longer_committed(eu_officer):
    from evaluation.models import FundingDecision
    from tests.reporting.helpers import make_selected_proposal

    proposal = make_selected_proposal(call=make_call(state=CallState.AWARDED))
    FundingDecision.objects.filter(proposal=proposal, side__code="JP").delete()
    assert selectors.monitoring_indicators()["totals"]["funding"] == {"EU": 100_000_000, "JP": 0}
