"""The audit trail moves from the governance app to the base (cbrms), table and rows included.

The table keeps its name (``governance_auditevent``) and its rows: ``CreateModel`` only tells
Django's state that the model now lives here (the table exists since governance 0001). The
append-only trigger is named after the model's app, so the new one is created here and
governance 0004 drops the old one.
"""

import django.db.models.functions.datetime
import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("governance", "0003_audit_null_columns"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
        migrations.CreateModel(
            name='AuditEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(db_default=django.db.models.functions.datetime.Now())),
                ('action', models.CharField(choices=[('create', 'Created'), ('update', 'Updated'), ('delete', 'Deleted')], max_length=10)),
                ('table', models.CharField(max_length=100)),
                ('object_id', models.BigIntegerField()),
                ('organization_id', models.BigIntegerField(null=True)),
                ('relationship_id', models.BigIntegerField(null=True)),
                ('audience', models.CharField(max_length=10)),
                ('actor_user_id', models.BigIntegerField(null=True)),
                ('acting_organization_id', models.BigIntegerField(null=True)),
                ('changes', models.JSONField(default=dict)),
            ],
            options={
                'db_table': 'governance_auditevent',
                'indexes': [models.Index(fields=['organization_id', '-id'], name='audit_org_idx'), models.Index(fields=['relationship_id', '-id'], name='audit_relationship_idx'), models.Index(fields=['table', 'object_id'], name='audit_object_idx'), models.Index(fields=['actor_user_id', '-id'], name='audit_actor_idx')],
            },
        ),
            ],
            database_operations=[],
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='auditevent',
            trigger=pgtrigger.compiler.Trigger(name='append_only', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;", hash='4a99a92c43a4b8a403d62eb5b43a253919eeee71', operation='UPDATE OR DELETE', pgid='pgtrigger_append_only_7cb62', table='governance_auditevent', when='BEFORE')),
        ),
    ]
