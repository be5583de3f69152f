"""Partnership Plans: versions, defaults, dual approval of an exact version, history and diff."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from calls import services
from calls.models import PlanVersion
from loi_portal.services import approved_sides
from tests.calls.helpers import in_force_version, plan_data
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_a_new_plan_has_horizon_europe_defaults_for_the_eu(eu_officer):
    version = services.create_plan(by=eu_officer, name="QST 2027", **plan_data())
    assert version.number == 1 and version.in_force_since is None
    eu = version.side_terms.get(side__code="EU")
    assert [c.name for c in eu.criteria.order_by("order")] == [
        "Excellence",
        "Impact",
        "Quality and efficiency of the implementation",
    ]
    assert {c.threshold for c in eu.criteria.all()} == {Decimal("3")}
    assert {c.weight for c in eu.criteria.all()} == {Decimal("1")}
    assert (eu.scale_min, eu.scale_max, eu.scale_step) == (0, 5, Decimal("0.5"))
    assert eu.overall_threshold == 10
    jp = version.side_terms.get(side__code="JP")
    assert jp.criteria.count() == len(services.SIP_DEFAULT_CRITERIA)
    assert jp.funding_minor == 1_000_000_000


def test_japanese_officers_enter_their_own_criteria_and_weights(jp_officer):
    data = plan_data()
    data["terms"]["JP"]["criteria"] = [
        {"code": "fit", "name": "Fit", "name_ja": "適合性", "threshold": "2.5", "weight": "1.5"},
        {"code": "social", "name": "Social implementation", "threshold": "3", "weight": "1"},
    ]
    data["terms"]["JP"]["overall_threshold"] = "6"
    version = services.create_plan(by=jp_officer, name="SIP plan", **data)
    jp = version.side_terms.get(side__code="JP")
    assert [(c.code, c.weight, c.order) for c in jp.criteria.all()] == [
        ("fit", Decimal("1.5"), 0),
        ("social", Decimal("1"), 1),
    ]


def test_a_threshold_outside_the_scale_is_refused_naming_the_side(eu_officer):
    data = plan_data()
    data["terms"]["EU"]["criteria"][0]["threshold"] = "7"
    with pytest.raises(ValidationError) as exc:
        services.create_plan(by=eu_officer, name="Bad", **data)
    assert "eu_criteria" in exc.value.message_dict


def test_a_version_is_in_force_only_when_both_sides_approved_it(eu_officer, jp_officer):
    version = services.create_plan(by=eu_officer, name="P", **plan_data())
    services.approve_plan_version(version, by=jp_officer)
    version.refresh_from_db()
    assert version.in_force_since is None
    services.approve_plan_version(version, by=eu_officer)
    version.refresh_from_db()
    assert version.in_force_since is not None


def test_an_edit_makes_a_new_version_with_no_approvals(eu_officer, jp_officer):
    v1 = services.create_plan(by=eu_officer, name="P", **plan_data())
    services.approve_plan_version(v1, by=eu_officer)
    v2 = services.new_plan_version(v1.plan, by=jp_officer, **plan_data(jp_funding_minor=900_000_000))
    assert v2.number == 2
    assert approved_sides(v2, v2.number) == set()
    v1.refresh_from_db()
    assert v1.side_terms.get(side__code="JP").funding_minor == 1_000_000_000
    with pytest.raises(ValidationError, match="replaced by version 2"):
        services.approve_plan_version(v1, by=jp_officer)


def test_approving_after_in_force_is_refused(eu_officer, jp_officer):
    version = in_force_version(eu_officer, jp_officer)
    with pytest.raises(ValidationError):
        services.approve_plan_version(version, by=make_user("EU", "officer"))


@pytest.mark.parametrize("role", ["researcher", "expert", "evaluator", "observer"])
def test_only_officers_create_and_approve_plans(role, eu_officer):
    user = make_user("JP", role)
    with pytest.raises(ValidationError):
        services.create_plan(by=user, name="P", **plan_data())
    version = services.create_plan(by=eu_officer, name="P", **plan_data())
    with pytest.raises(ValidationError):
        services.approve_plan_version(version, by=user)


def test_the_diff_shows_what_changed_between_versions(eu_officer):
    v1 = services.create_plan(by=eu_officer, name="P", **plan_data())
    v2 = services.new_plan_version(
        v1.plan, by=eu_officer, **plan_data(selection_procedure="Both Sides <agree> on one list.")
    )
    diff = services.diff_plan_versions(v1, v2)
    added = [line for kind, line in diff if kind == "add"]
    removed = [line for kind, line in diff if kind == "remove"]
    assert any("Both Sides <agree> on one list." in line for line in added)
    assert any("selected only when both Sides agree" in line for line in removed)


def test_versions_stay_as_they_were(eu_officer):
    v1 = services.create_plan(by=eu_officer, name="P", **plan_data())
    services.new_plan_version(v1.plan, by=eu_officer, **plan_data(evaluation_procedure="Changed."))
    assert PlanVersion.objects.get(pk=v1.pk).evaluation_procedure.startswith("Each Side")
