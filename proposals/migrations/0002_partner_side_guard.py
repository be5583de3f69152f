"""The database refuses a partner whose Side differs from its organisation's: a partner requests money
only from its own Side, whatever code writes the row."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION proposals_partner_own_side() RETURNS trigger AS $$
BEGIN
    IF NEW.side_id IS DISTINCT FROM (SELECT side_id FROM loi_portal_organisation WHERE id = NEW.organisation_id) THEN
        RAISE EXCEPTION 'a partner requests money only from the Side of its organisation'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS proposals_partner_own_side ON proposals_partner;
CREATE TRIGGER proposals_partner_own_side BEFORE INSERT OR UPDATE ON proposals_partner
    FOR EACH ROW EXECUTE FUNCTION proposals_partner_own_side();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS proposals_partner_own_side ON proposals_partner;
DROP FUNCTION IF EXISTS proposals_partner_own_side();
"""


def forward(apps, schema_editor):
    # PostgreSQL only: the SQLite demo relies on the service's check alone.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("proposals", "0001_initial"), ("loi_portal", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
