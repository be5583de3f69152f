"""The audit log is append-only in the database itself, for the application's own database user."""

import pytest
from django.db import DatabaseError, connection, transaction

from loi_portal.models import AuditEntry
from loi_portal.services import audit

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry():
    return audit("proposal.view", by=None, note="original")


def _refused(sql, params):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params)


def test_the_tests_use_the_applications_database_user():
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        (user,) = cursor.fetchone()
    assert user == connection.settings_dict["USER"]


def test_the_database_refuses_to_update_an_audit_entry(entry):
    _refused("UPDATE loi_portal_auditentry SET action = %s WHERE id = %s", ["nothing.happened", entry.pk])
    _refused("UPDATE loi_portal_auditentry SET details = '{}'::jsonb", [])
    entry.refresh_from_db()
    assert entry.action == "proposal.view" and entry.details == {"note": "original"}


def test_the_database_refuses_to_delete_an_audit_entry(entry):
    _refused("DELETE FROM loi_portal_auditentry WHERE id = %s", [entry.pk])
    _refused("DELETE FROM loi_portal_auditentry", [])
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_the_orm_cannot_delete_or_update_either(entry):
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="x")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "proposal.view"


def test_appending_still_works(entry):
    audit("proposal.download", by=None)
    assert AuditEntry.objects.count() >= 2
