"""Fixtures of the evaluation tests: a call under evaluation with two proposals, evaluated on both Sides."""

from decimal import Decimal

import pytest

from tests.factories import make_call_in_evaluation, make_user, side_evaluation

EU_PASS = {"excellence": Decimal("4"), "impact": Decimal("4"), "implementation": Decimal("4")}
JP_PASS = {
    "fit": Decimal("4"),
    "plan": Decimal("4"),
    "management": Decimal("4"),
    "implementation": Decimal("4"),
}


@pytest.fixture
def evaluated_call(db):
    call, _proposals = make_call_in_evaluation(2)
    return call


@pytest.fixture
def ev_proposal(evaluated_call):
    return evaluated_call.proposals.order_by("number").first()


@pytest.fixture
def eu_eval(ev_proposal):
    return side_evaluation(ev_proposal, "EU")


@pytest.fixture
def jp_eval(ev_proposal):
    return side_evaluation(ev_proposal, "JP")


@pytest.fixture
def eu_evaluator2(db):
    return make_user("EU", "evaluator")
