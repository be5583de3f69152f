"""The two Sides and their role groups as data, and the database guard that keeps the audit log
append-only: UPDATE and DELETE on it raise, whoever asks (the application's user included)."""

from django.db import migrations

SIDES = [
    {
        "code": "EU", "name": "European Union", "authority": "European Commission",
        "programme": "Horizon Europe", "currency": "EUR", "currency_decimals": 2, "time_zone": "Europe/Brussels",
    },
    {
        "code": "JP", "name": "Japan", "authority": "Cabinet Office of Japan",
        "programme": "SIP (Cross-ministerial Strategic Innovation Promotion Program)", "currency": "JPY",
        "currency_decimals": 0, "time_zone": "Asia/Tokyo",
    },
]
ROLES = ["officer", "expert", "researcher", "evaluator", "observer"]


def create_sides(apps, schema_editor):
    Side = apps.get_model("loi_portal", "Side")
    SideRole = apps.get_model("loi_portal", "SideRole")
    Group = apps.get_model("auth", "Group")
    for data in SIDES:
        side, _ = Side.objects.update_or_create(code=data["code"], defaults=data)
        for role in ROLES:
            group, _ = Group.objects.get_or_create(name=f"{side.code} {role}")
            SideRole.objects.get_or_create(side=side, role=role, defaults={"group": group})


GUARD_SQL = """
CREATE OR REPLACE FUNCTION loi_portal_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: %% refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS loi_portal_audit_append_only ON loi_portal_auditentry;
CREATE TRIGGER loi_portal_audit_append_only BEFORE UPDATE OR DELETE ON loi_portal_auditentry
    FOR EACH ROW EXECUTE FUNCTION loi_portal_audit_append_only();
"""
UNGUARD_SQL = """
DROP TRIGGER IF EXISTS loi_portal_audit_append_only ON loi_portal_auditentry;
DROP FUNCTION IF EXISTS loi_portal_audit_append_only();
"""


def guard_audit_log(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(GUARD_SQL)
    elif schema_editor.connection.vendor == "sqlite":
        # The demo database: the same rule, in SQLite's dialect.
        for op in ("UPDATE", "DELETE"):
            schema_editor.execute(
                f"CREATE TRIGGER IF NOT EXISTS loi_portal_audit_no_{op.lower()} BEFORE {op} ON loi_portal_auditentry "
                f"BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
            )


def unguard_audit_log(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNGUARD_SQL)


class Migration(migrations.Migration):
    dependencies = [("loi_portal", "0001_initial")]

    operations = [
        migrations.RunPython(create_sides, migrations.RunPython.noop),
        migrations.RunPython(guard_audit_log, unguard_audit_log),
    ]
