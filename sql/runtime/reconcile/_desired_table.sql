-- A model's columns as the config defines them, made real so PostgreSQL itself reads the
-- definitions: a temporary table (this session only, dropped at commit) with the model's
-- columns and primary key / unique constraints, not partitioned. The install compares
-- its pg_attribute and pg_attrdef with the parent table's: types with their modifiers,
-- NOT NULL, defaults and generation expressions as PostgreSQL prints them, so
-- 'int', 'integer' and 'int4' are one type, and a default is compared as parsed. The
-- definitions are the user's SQL and are read with the user's search_path (pg_catalog
-- first, so a built-in cannot be shadowed).
CREATE OR REPLACE FUNCTION parting._desired_table(p_model jsonb, p_search_path text)
RETURNS regclass
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_name text := 'pgpart_desired_' || left(md5(p_model #>> '{config,model}'), 16);
  v_defs text;
BEGIN
  -- PUBLIC has TEMPORARY on a new database; a role it was revoked from gets told why here
  -- rather than PostgreSQL's bare "permission denied to create temporary tables".
  IF NOT has_database_privilege(current_database(), 'TEMPORARY') THEN
    RAISE EXCEPTION 'role % may not make temporary tables in database %: the install and `pgpart plan` read the config''s column definitions of model "%" with PostgreSQL''s parser, in a temporary table dropped at commit',
                    current_user, current_database(), p_model #>> '{config,model}'
      USING ERRCODE = 'insufficient_privilege',
            HINT = format('nothing was changed; as the database''s owner or a superuser: GRANT TEMPORARY ON DATABASE %I TO %I', current_database(), current_user);
  END IF;
  SELECT string_agg(format('%I %s', c ->> 'name', c ->> 'definition'), ', ' ORDER BY n) INTO v_defs
    FROM jsonb_array_elements(p_model -> 'columns') WITH ORDINALITY AS x(c, n);
  SELECT v_defs || coalesce(string_agg(format(', %s (%s)', CASE k ->> 'kind' WHEN 'primary' THEN 'PRIMARY KEY' ELSE 'UNIQUE' END,
                                              (SELECT string_agg(format('%I', col), ', ') FROM jsonb_array_elements_text(k -> 'columns') col)),
                                       '' ORDER BY n), '')
    INTO v_defs
    FROM jsonb_array_elements(p_model -> 'constraints') WITH ORDINALITY AS x(k, n);
  IF to_regclass(format('pg_temp.%I', v_name)) IS NOT NULL THEN
    EXECUTE format('DROP TABLE pg_temp.%I', v_name);
  END IF;
  v_defs := format('CREATE TEMPORARY TABLE %I (%s) ON COMMIT DROP', v_name, v_defs);
  -- Under the user's path every call is qualified: a look-alike with a closer signature
  -- (format(text, text)) would win over pg_catalog's even behind it.
  PERFORM pg_catalog.set_config('search_path', parting._user_path(p_search_path), true);
  EXECUTE v_defs;
  PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
  RETURN format('pg_temp.%I', v_name)::regclass;
END;
$$;
