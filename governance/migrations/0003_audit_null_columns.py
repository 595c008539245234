"""Reinstall the audit capture function: empty columns of new or deleted rows are no changes."""

from django.db import migrations

from cbrms.audit.sql import AUDIT_CAPTURE_FUNCTION


class Migration(migrations.Migration):
    dependencies = [("governance", "0002_audit_indexes")]

    operations = [migrations.RunSQL(AUDIT_CAPTURE_FUNCTION, migrations.RunSQL.noop)]
