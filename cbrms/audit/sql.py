"""SQL installed by governance migrations, kept here so migrations stay readable."""

AUDIT_CAPTURE_FUNCTION = r"""
CREATE OR REPLACE FUNCTION cbrms_audit_capture(
    op text, tbl text, old_row jsonb, new_row jsonb,
    organization_column text, relationship_column text,
    fixed_audience text, visibility_column text, redact text[]
) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    row_data jsonb := COALESCE(new_row, old_row);
    changes jsonb := '{}'::jsonb;
    key text;
    old_value jsonb;
    new_value jsonb;
BEGIN
    FOR key IN SELECT jsonb_object_keys(row_data) LOOP
        CONTINUE WHEN key = ANY(redact);
        -- A missing side (insert, delete) reads as JSON null, so empty columns of a new or
        -- deleted row are not reported as changes.
        old_value := COALESCE(old_row -> key, 'null'::jsonb);
        new_value := COALESCE(new_row -> key, 'null'::jsonb);
        IF old_value IS DISTINCT FROM new_value THEN
            changes := changes || jsonb_build_object(
                key, jsonb_build_array(old_value, new_value));
        END IF;
    END LOOP;
    IF op = 'UPDATE' AND changes = '{}'::jsonb THEN
        RETURN;
    END IF;
    INSERT INTO governance_auditevent (
        created_at, action, "table", object_id, organization_id, relationship_id,
        audience, actor_user_id, acting_organization_id, changes
    ) VALUES (
        clock_timestamp(),
        CASE op WHEN 'INSERT' THEN 'create' WHEN 'UPDATE' THEN 'update' ELSE 'delete' END,
        tbl,
        (row_data ->> 'id')::bigint,
        CASE WHEN organization_column IS NULL THEN NULL
             ELSE (row_data ->> organization_column)::bigint END,
        CASE WHEN relationship_column IS NULL THEN NULL
             ELSE (row_data ->> relationship_column)::bigint END,
        COALESCE(
            CASE WHEN visibility_column IS NULL THEN NULL ELSE row_data ->> visibility_column END,
            fixed_audience),
        NULLIF(current_setting('cbrms.actor_user_id', true), '')::bigint,
        NULLIF(current_setting('cbrms.acting_organization_id', true), '')::bigint,
        changes
    );
END;
$$;
"""

DROP_AUDIT_CAPTURE_FUNCTION = (
    "DROP FUNCTION IF EXISTS cbrms_audit_capture(text, text, jsonb, jsonb, text, text, text, "
    "text, text[]);"
)
