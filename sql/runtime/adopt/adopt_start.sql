-- The first step of adopting a family (`pgpart adopt`; callable from psql): refuses what
-- adopt_plan refuses; makes the partitioned shadow family in a schema of its own
-- (pgpart_adopt_<root>) under the config's names, with partitions covering the root's key
-- range (and the current one and premake ahead, for rows written meanwhile), the config
-- rows pointing at it, and the triggers that make it follow every write to the old tables
-- from this transaction on. One transaction: locks on the old tables are SHARE ROW
-- EXCLUSIVE for the trigger (a catalog change, under lockTimeout), the rest is new tables.
-- Run again on a family already being adopted, it changes nothing and returns the phase.
CREATE OR REPLACE FUNCTION parting.adopt_start(p_desired jsonb, p_model text,
                                               p_search_path text DEFAULT current_setting('search_path'))
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_a parting.adoption;
  v_refused text;
  v_members jsonb;
  v_m jsonb;
  v_cfg parting.config;
  v_rel regclass;
  v_stmt text;
  v_min text;
  v_max text;
  v_value text;
  v_b record;
  v_done boolean;
  v_keytype text;
  v_progress jsonb := '{}';
  v_fk record;
BEGIN
  SELECT * INTO v_a FROM parting.adoption WHERE model = p_model;
  IF FOUND THEN
    RETURN v_a.phase;
  END IF;
  SELECT string_agg(p.refused, E'\n' ORDER BY p.refused) INTO v_refused
    FROM parting.adopt_plan(p_desired, p_model, p_search_path) p WHERE p.refused IS NOT NULL;
  IF v_refused IS NOT NULL THEN
    RAISE EXCEPTION 'pgpart adopt %: refused', p_model USING ERRCODE = 'PGP01', DETAIL = v_refused;
  END IF;
  SELECT jsonb_agg(m ORDER BY (m #>> '{config,family_order}')::integer, m #>> '{config,model}') INTO v_members
    FROM jsonb_array_elements(p_desired -> 'models') m WHERE m #>> '{config,root_model}' = p_model;
  v_cfg := parting._config_row(v_members -> 0 -> 'config');
  IF EXISTS (SELECT FROM parting.config c, jsonb_array_elements(v_members) m WHERE c.model = m #>> '{config,model}') THEN
    RAISE EXCEPTION 'pgpart adopt %: the family''s models are already in parting.config', p_model
      USING ERRCODE = 'PGP01', HINT = 'the family is pgpart''s already: `pgpart plan` says what an install would change';
  END IF;
  v_a.model := p_model;
  v_a.phase := 'copying';
  v_a.schema_name := v_cfg.schema_name;
  v_a.shadow_schema := left('pgpart_adopt_' || p_model, 63);
  v_a.retired_schema := left('pgpart_adopted_' || p_model, 63);
  v_a.members := v_members;
  FOREACH v_value IN ARRAY ARRAY[v_a.shadow_schema, v_a.retired_schema] LOOP
    IF to_regnamespace(quote_ident(v_value)) IS NOT NULL THEN
      RAISE EXCEPTION 'pgpart adopt %: schema % exists', p_model, v_value
        USING ERRCODE = 'PGP01', HINT = 'adoption makes it and drops it when done: drop or rename that schema first';
    END IF;
  END LOOP;
  PERFORM set_config('lock_timeout', p_desired #>> '{settings,lock_timeout}', true);
  EXECUTE format('CREATE SCHEMA %I', v_a.shadow_schema);

  -- Progress: rows to copy per member, from the statistics (a guess; adopt_copy counts).
  FOR v_m IN SELECT m FROM jsonb_array_elements(v_members) m LOOP
    v_rel := to_regclass(format('%I.%I', v_cfg.schema_name, v_m #>> '{config,table_name}'));
    v_progress := v_progress || jsonb_build_object(v_m #>> '{config,model}', jsonb_build_object(
      'copied', 0, 'total', CASE WHEN v_rel IS NULL THEN 0 ELSE greatest((SELECT c.reltuples FROM pg_class c WHERE c.oid = v_rel), 0)::bigint END,
      'last', NULL, 'done', v_rel IS NULL));
  END LOOP;
  v_a.progress := v_progress;
  v_a.to_validate := '[]';
  v_a.started_at := now();
  v_a.updated_at := now();
  INSERT INTO parting.adoption SELECT v_a.*;

  -- The shadow family's parents, made as the install makes a model's, in the shadow schema.
  FOR v_m IN SELECT m FROM jsonb_array_elements(v_members) m LOOP
    v_m := jsonb_set(v_m, '{config,schema_name}', to_jsonb(v_a.shadow_schema));
    CALL parting._put_config(v_m -> 'config');
    FOREACH v_stmt IN ARRAY parting._create_model(v_m) LOOP
      -- Every call under the user's path qualified (a look-alike with a closer signature
      -- would win even behind pg_catalog).
      PERFORM pg_catalog.set_config('search_path', parting._user_path(p_search_path), true);
      EXECUTE v_stmt;
      PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
    END LOOP;
    -- Foreign keys from the old table to tables outside the family hold for the new one too.
    v_rel := to_regclass(format('%I.%I', v_cfg.schema_name, v_m #>> '{config,table_name}'));
    FOR v_fk IN
      SELECT k.conname, pg_get_constraintdef(k.oid) AS def FROM pg_constraint k
       WHERE k.conrelid = v_rel AND k.contype = 'f'
         AND NOT EXISTS (SELECT FROM jsonb_array_elements(v_members) o
                          WHERE to_regclass(format('%I.%I', v_cfg.schema_name, o #>> '{config,table_name}')) = k.confrelid)
    LOOP
      EXECUTE format('ALTER TABLE %I.%I ADD CONSTRAINT %I %s', v_a.shadow_schema, v_m #>> '{config,table_name}', v_fk.conname, v_fk.def);
    END LOOP;
  END LOOP;

  -- Partitions covering the data, then the current one and premake ahead.
  v_cfg := parting._model(p_model);
  v_rel := format('%I.%I', v_a.schema_name, v_cfg.table_name)::regclass;
  SELECT format_type(a.atttypid, a.atttypmod) INTO v_keytype FROM pg_attribute a
   WHERE a.attrelid = v_rel AND a.attname = v_cfg.key_column AND NOT a.attisdropped;
  IF v_cfg.strategy = 'range' THEN
    EXECUTE format('SELECT to_jsonb(min(%1$I)) #>> ''{}'', to_jsonb(max(%1$I)) #>> ''{}'' FROM %2$s', v_cfg.key_column, v_rel) INTO v_min, v_max;
    IF v_min IS NOT NULL THEN
      v_value := parting._canonical(v_cfg, v_min);
      LOOP
        PERFORM parting._adopt_partition(p_model, v_value);
        v_b := parting._bound(v_cfg, v_value);
        EXECUTE format('SELECT $1 = ''MAXVALUE'' OR $1::%1$s > $2::%1$s', v_keytype) INTO STRICT v_done USING v_b.upper, v_max;
        EXIT WHEN v_done;
        v_value := v_b.upper;
      END LOOP;
    END IF;
    -- An integer key's "current" is its largest key, which is in the old table.
    v_value := CASE WHEN v_cfg.key_type <> 'integer' THEN parting._current(v_cfg) ELSE parting._canonical(v_cfg, coalesce(v_max, '0')) END;
    FOR i IN 0 .. v_cfg.premake LOOP
      PERFORM parting._adopt_partition(p_model, v_value);
      v_value := (parting._bound(v_cfg, v_value)).upper;
      EXIT WHEN v_value = 'MAXVALUE';
    END LOOP;
  ELSE
    FOR v_value IN EXECUTE format('SELECT DISTINCT %1$I::text FROM %2$s WHERE %1$I IS NOT NULL', v_cfg.key_column, v_rel) LOOP
      PERFORM parting._adopt_partition(p_model, parting._canonical(v_cfg, v_value));
    END LOOP;
  END IF;

  PERFORM parting._adopt_capture(p_model);
  PERFORM parting._log(p_model, NULL, 'adopted',
                       jsonb_build_object('step', 'start', 'shadow_schema', v_a.shadow_schema,
                                          'partitions', (SELECT count(*) FROM parting.adoption_partition p WHERE p.model = p_model)));
  RETURN 'copying';
END;
$$;

COMMENT ON FUNCTION parting.adopt_start(jsonb, text, text) IS
$c$Starts adopting a family whose tables exist unpartitioned: the partitioned shadow family and the triggers that make it follow every write; then adopt_copy, adopt_verify, adopt_swap, adopt_finish (or adopt_abort).$c$;
