-- The models' schema (config `schema`) and the archive schema: made by the install when
-- missing, so that no other role makes them first; used when they exist only if their owner
-- is trusted (parting._foreign_owner), since a schema's owner can drop every table in it.
-- The archive schema is checked only while something archives into it (a model's retention
-- action, or archived tables already there); parting._archive_parent never makes it.
CREATE OR REPLACE FUNCTION parting._change_schemas(p_desired jsonb)
RETURNS SETOF parting.change
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_schema text;
  v_foreign regrole;
BEGIN
  FOR v_schema IN SELECT DISTINCT s FROM (VALUES (p_desired ->> 'schema'), (p_desired #>> '{settings,archive_schema}')) AS x(s) ORDER BY 1 LOOP
    v_foreign := parting._foreign_owner(v_schema);
    IF to_regnamespace(quote_ident(v_schema)) IS NULL THEN
      RETURN NEXT parting._change(NULL, 'create schema', v_schema, format('schema %I', v_schema), NULL, 'none',
                                  ARRAY[format('CREATE SCHEMA %I', v_schema)]);
    ELSIF v_foreign IS NULL THEN
      CONTINUE;
    ELSIF v_schema = p_desired ->> 'schema' THEN
      RETURN NEXT parting._refusal(NULL, 'create schema', v_schema,
        format('schema: schema %I is owned by role %s, not by %s: pgpart does not put the models'' tables in a schema another role made '
               '(its owner could drop them). As %s or a superuser: ALTER SCHEMA %I OWNER TO %I; or choose another schema',
               v_schema, v_foreign, current_user, v_foreign, v_schema, current_user));
    ELSIF EXISTS (SELECT FROM jsonb_array_elements(p_desired -> 'models') m WHERE m #>> '{config,retention_action}' = 'archive')
          OR (to_regclass('parting.offline') IS NOT NULL AND EXISTS (SELECT FROM parting.offline o WHERE o.schema_name = v_schema)) THEN
      RETURN NEXT parting._refusal(NULL, 'create schema', v_schema,
        format('archiveSchema: schema %I is owned by role %s, not by %s: pgpart does not archive into a schema another role made '
               '(its owner could drop the archived partitions). As %s or a superuser: ALTER SCHEMA %I OWNER TO %I, or drop or rename it; '
               'or choose another archiveSchema',
               v_schema, v_foreign, current_user, v_foreign, v_schema, current_user));
    END IF;
  END LOOP;
END;
$$;
