import pytest

from tests.factories import make_user
from tests.reporting.helpers import coordinators, make_project


@pytest.fixture
def project(db, eu_officer, eu_researcher, jp_researcher):
    return make_project(officer=eu_officer, coordinator=eu_researcher, jp_coordinator=jp_researcher)


@pytest.fixture
def report(project):
    return project.reports.order_by("number").first()


@pytest.fixture
def authors(project):
    return coordinators(project)


@pytest.fixture
def eu_observer(db):
    return make_user("EU", "observer")


@pytest.fixture
def jp_observer(db):
    return make_user("JP", "observer")


@pytest.fixture
def outsider(db):
    """A JP researcher in no consortium of the project: must never see it."""
    return make_user("JP", "researcher")
