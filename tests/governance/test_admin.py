import pytest
from django.urls import reverse

from loi_portal import governance
from loi_portal.models import AuditEntry, User
from loi_portal.services import audit
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def _superuser(side_code=None, role=None):
    user = make_user(side_code or "EU", role)
    if side_code is None:
        user.side = None
        user.save(update_fields=["side"])
    User.objects.filter(pk=user.pk).update(is_superuser=True, is_staff=True)
    user.refresh_from_db()
    return user


@pytest.fixture
def divergence(eu_officer):
    return governance.open_divergence("Budget split", by=eu_officer)


def test_a_superuser_officer_sees_the_divergence_and_the_view_is_audited(client_for, divergence):
    admin_officer = _superuser("JP", "officer")
    client = client_for(admin_officer)
    changelist = client.get(reverse("admin:loi_portal_divergence_changelist"))
    assert "Budget split" in changelist.content.decode()
    response = client.get(reverse("admin:loi_portal_divergence_change", args=[divergence.pk]))
    assert response.status_code == 200
    assert "Budget split" in response.content.decode()
    entry = AuditEntry.objects.get(action="admin.view", object_id=str(divergence.pk))
    assert entry.actor_id == admin_officer.pk
    client.get(reverse("admin:loi_portal_divergence_history", args=[divergence.pk]))
    assert AuditEntry.objects.filter(action="admin.history", object_id=str(divergence.pk)).exists()


@pytest.mark.parametrize(
    ("side", "role"), [(None, None), ("EU", None), ("JP", "researcher"), ("EU", "evaluator")]
)
def test_a_superuser_outside_the_audience_sees_no_divergence(client_for, divergence, side, role):
    client = client_for(_superuser(side, role))
    changelist = client.get(reverse("admin:loi_portal_divergence_changelist"))
    assert "Budget split" not in changelist.content.decode()
    response = client.get(reverse("admin:loi_portal_divergence_change", args=[divergence.pk]))
    assert response.status_code in (302, 403)
    assert not AuditEntry.objects.filter(action="admin.view").exists()


def test_staff_without_superuser_sees_no_governance_record(client_for, divergence):
    officer = make_user("EU", "officer")
    User.objects.filter(pk=officer.pk).update(is_staff=True)
    response = client_for(officer).get(reverse("admin:loi_portal_divergence_changelist"))
    assert response.status_code == 403


def test_a_superuser_reads_only_their_sides_part_of_the_audit_log(client_for):
    audit("eu.only", by=None, sides=["EU"])
    audit("jp.only", by=None, sides=["JP"])
    client = client_for(_superuser("EU", "officer"))
    html = client.get(reverse("admin:loi_portal_auditentry_changelist")).content.decode()
    assert "eu.only" in html and "jp.only" not in html
    jp_entry = AuditEntry.objects.get(action="jp.only")
    response = client.get(reverse("admin:loi_portal_auditentry_change", args=[jp_entry.pk]))
    assert response.status_code == 302  # "does not exist", like any hidden record
    assert not AuditEntry.objects.filter(action="admin.view", object_id=str(jp_entry.pk)).exists()


def test_governance_records_cannot_be_changed_in_the_admin(client_for, divergence):
    client = client_for(_superuser("EU", "officer"))
    response = client.post(
        reverse("admin:loi_portal_divergence_change", args=[divergence.pk]),
        {"subject": "Changed", "state": "resolved"},
    )
    assert response.status_code == 403
    divergence.refresh_from_db()
    assert divergence.subject == "Budget split"
