"""The database refuses to change what a submission froze (its version, instant, snapshot and hash)."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION proposals_submission_frozen() RETURNS trigger AS $$
BEGIN
    IF NEW.snapshot IS DISTINCT FROM OLD.snapshot OR NEW.sha256 IS DISTINCT FROM OLD.sha256
       OR NEW.version IS DISTINCT FROM OLD.version OR NEW.submitted_at IS DISTINCT FROM OLD.submitted_at
       OR NEW.proposal_id IS DISTINCT FROM OLD.proposal_id THEN
        RAISE EXCEPTION 'a submission is immutable' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS proposals_submission_frozen ON proposals_submission;
CREATE TRIGGER proposals_submission_frozen BEFORE UPDATE ON proposals_submission
    FOR EACH ROW EXECUTE FUNCTION proposals_submission_frozen();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS proposals_submission_frozen ON proposals_submission;
DROP FUNCTION IF EXISTS proposals_submission_frozen();
"""


def forward(apps, schema_editor):
    # PostgreSQL only: the SQLite demo relies on the services alone.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("proposals", "0002_partner_side_guard")]

    operations = [migrations.RunPython(forward, backward)]
