"""The audit trail now lives in the base (cbrms 0001): the model leaves this app's state, its
table and rows stay. The old append-only trigger (named after this app) gives way to cbrms's."""

import pgtrigger.migrations
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('governance', '0003_audit_null_columns'),
        ('cbrms', '0001_audit_trail'),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(model_name='auditevent', name='append_only'),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='AuditEvent')],
            database_operations=[],
        ),
    ]
