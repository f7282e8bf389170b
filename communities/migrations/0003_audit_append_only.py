"""The audit trail is append-only in the database too: UPDATE and DELETE are refused."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION miiwrap_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit entries are append-only';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER communities_auditentry_append_only
    BEFORE UPDATE OR DELETE ON communities_auditentry
    FOR EACH ROW EXECUTE FUNCTION miiwrap_audit_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS communities_auditentry_append_only ON communities_auditentry;
DROP FUNCTION IF EXISTS miiwrap_audit_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("communities", "0002_user_email_digest_delivery_notification")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
