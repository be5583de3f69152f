"""A project becomes public (so it reaches the Council, a third party) only with the recorded written
permission of one of its participants (section III.1 of the letter), whichever Side's officer asks."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from loi_portal.enums import Sensitivity
from loi_portal.governance import record_disclosure_permission
from loi_portal.models import AuditEntry
from reporting import selectors, services
from tests.factories import OrganisationFactory, make_user

pytestmark = pytest.mark.django_db


def _permission(project, officer, *, provided_by=None, third_party="Digital Partnership Council"):
    return record_disclosure_permission(
        project,
        what="Project outcomes",
        provided_by=provided_by or project.proposal.partners.first().organisation,
        audience="third_party",
        third_party=third_party,
        permitted_on=dt.date(2026, 6, 1),
        permission_text="We agree that the outcomes of our project are reported to the Council.",
        by=officer,
    )


@pytest.mark.parametrize("side", ["EU", "JP"])
def test_one_officer_of_either_side_cannot_make_a_project_public_without_a_recorded_permission(project, side):
    officer = make_user(side, "officer")
    with pytest.raises(ValidationError) as excinfo:
        services.set_project_sensitivity(project, Sensitivity.PUBLIC, by=officer)
    assert "written permission of one of its participants" in excinfo.value.message_dict["sensitivity"][0]
    project.refresh_from_db()
    assert project.sensitivity == Sensitivity.JOINT
    assert selectors.monitoring_indicators(audience="council")["projects"] == []


def test_a_permission_of_someone_else_or_to_another_third_party_does_not_count(
    project, eu_officer, jp_officer
):
    _permission(project, eu_officer, provided_by=OrganisationFactory(side_code="JP"))
    _permission(project, eu_officer, third_party="A newspaper")
    with pytest.raises(ValidationError):
        services.set_project_sensitivity(project, Sensitivity.PUBLIC, by=jp_officer)
    project.refresh_from_db()
    assert project.sensitivity == Sensitivity.JOINT


def test_with_the_participants_recorded_permission_the_other_sides_officer_makes_it_public(
    project, eu_officer, jp_officer
):
    permission = _permission(project, eu_officer)
    services.set_project_sensitivity(project, Sensitivity.PUBLIC, by=jp_officer)
    project.refresh_from_db()
    assert project.sensitivity == Sensitivity.PUBLIC
    entry = AuditEntry.objects.filter(action="project.sensitivity").latest("pk")
    assert entry.actor_name == jp_officer.username and str(permission.pk) in str(entry.details)
    # Making it less visible again needs no permission.
    services.set_project_sensitivity(project, Sensitivity.RESTRICTED, by=eu_officer)
    project.refresh_from_db()
    assert project.sensitivity == Sensitivity.RESTRICTED


def test_only_officers_change_the_sensitivity(project, authors):
    with pytest.raises(ValidationError):
        services.set_project_sensitivity(project, Sensitivity.RESTRICTED, by=authors["EU"])


def test_the_page_says_why_a_project_cannot_be_made_public(client_jp_officer, project):
    url = reverse("reporting:project", args=[project.pk])
    response = client_jp_officer.post(url, {"sensitivity": "public"})
    assert response.status_code == 200
    assert "written permission of one of its participants" in response.content.decode()
    project.refresh_from_db()
    assert project.sensitivity == Sensitivity.JOINT


def test_the_api_refuses_it_with_a_400(client_jp_officer, project):
    response = client_jp_officer.post(
        f"/api/v1/projects/{project.pk}/sensitivity/",
        {"sensitivity": "public"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "written permission" in response.content.decode()
    project.refresh_from_db()
    assert project.sensitivity == Sensitivity.JOINT
