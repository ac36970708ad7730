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
  PERFORM set_config('search_path', parting._user_path(p_search_path), true);
  EXECUTE format('CREATE TEMPORARY TABLE %I (%s) ON COMMIT DROP', v_name, v_defs);
  PERFORM set_config('search_path', 'pg_catalog, pg_temp', true);
  RETURN format('pg_temp.%I', v_name)::regclass;
END;
$$;
