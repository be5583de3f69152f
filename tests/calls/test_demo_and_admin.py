import pytest
from django.urls import reverse

from calls import demo
from calls.enums import CallState
from loi_portal import demo as portal_demo
from loi_portal.models import User
from loi_portal.timezones import BRUSSELS

pytestmark = pytest.mark.django_db


def test_the_demo_has_an_open_call_closing_at_17h_brussels_and_runs_twice():
    ctx: dict = {}
    portal_demo.seed(ctx)
    demo.seed(ctx)
    demo.seed(ctx)
    call = ctx["open_call"]
    call.refresh_from_db()
    assert call.state == CallState.OPEN
    assert call.deadline.astimezone(BRUSSELS).strftime("%H:%M") == "17:00"
    assert all(t.is_agreed for t in call.topics.all()) and call.topics.count() == 3
    version = ctx["plan_version"]
    assert version.in_force_since is not None
    funding = {t.side.code: t.funding_minor for t in version.side_terms.all()}
    assert funding == {"EU": 700_000_000, "JP": 1_000_000_000}
    assert ctx["draft_call"].state == CallState.DRAFT
    assert version.plan.versions.count() == 1


MODELS = (
    "topic expertopinion partnershipplan planversion plansideterms criterion call callbudget deadlinechange"
)


@pytest.mark.parametrize("model", MODELS.split())
def test_every_calls_model_has_an_admin_list(client, model):
    admin = User.objects.create_superuser("root", "root@example.org", "a long admin password")
    ctx: dict = {}
    portal_demo.seed(ctx)
    demo.seed(ctx)
    client.force_login(admin)
    assert client.get(reverse(f"admin:calls_{model}_changelist")).status_code == 200
