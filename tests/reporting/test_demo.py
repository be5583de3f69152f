import pytest

from reporting import demo
from reporting.enums import ReportState
from reporting.models import ExchangeRate, Project
from tests.reporting.helpers import make_selected_proposal

pytestmark = pytest.mark.django_db


def test_demo_skips_projects_without_selected_funded_proposals(eu_officer):
    assert demo.seed({"users": {"eu_officer": eu_officer}}) == []
    assert ExchangeRate.objects.count() == 1
    assert not Project.objects.exists()


def test_demo_makes_a_project_with_a_submitted_report_once(eu_officer):
    make_selected_proposal()
    ctx = {"users": {"eu_officer": eu_officer}}
    demo.seed(ctx)
    demo.seed(ctx)
    project = Project.objects.get()
    assert project.reports.order_by("number").first().state == ReportState.SUBMITTED
    assert ExchangeRate.objects.count() == 1
