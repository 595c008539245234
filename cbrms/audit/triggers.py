"""The audit trigger every tenant table carries.

Each tracked table gets an AFTER row trigger that hands the old and new rows to one SQL function,
``cbrms_audit_capture`` (``cbrms.audit.sql``, created by governance migration 0001), which writes
one ``AuditEvent`` row. Being a trigger, it also records bulk and queryset updates and raw SQL.
Who acted comes from the session settings that ``cbrms.tenancy.context.acting_as`` sets.
"""

import pgtrigger

_NULL = "NULL"


def _literal(value: str | None) -> str:
    return _NULL if value is None else "'" + value.replace("'", "''") + "'"


def audit_trigger(
    *,
    organization_column: str | None,
    relationship_column: str | None = None,
    visibility: str = "internal",
    visibility_column: str | None = None,
    redact: tuple[str, ...] = (),
) -> pgtrigger.Trigger:
    """Build the audit trigger for one model.

    ``organization_column`` names the owning organization's column, ``relationship_column`` the
    relationship's (for the relationship table itself, ``"id"``). ``visibility`` is the fixed
    audience of the rows (``internal``, ``joint`` or ``directory``) unless the rows carry their
    own ``visibility_column``. ``redact`` columns are never copied into the trail (secrets).
    """
    redact_array = "ARRAY[" + ",".join(_literal(c) for c in redact) + "]::text[]"
    args = ", ".join(
        [
            "TG_OP",
            "TG_TABLE_NAME",
            "to_jsonb(OLD)",
            "to_jsonb(NEW)",
            _literal(organization_column),
            _literal(relationship_column),
            _literal(visibility),
            _literal(visibility_column),
            redact_array,
        ]
    )
    return pgtrigger.Trigger(
        name="audit",
        when=pgtrigger.After,
        operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
        level=pgtrigger.Row,
        func=f"PERFORM cbrms_audit_capture({args}); RETURN NULL;",
    )
