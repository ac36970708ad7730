-- Undoes an adoption before its swap (`pgpart adopt <model> --abort`), at any point: drops
-- the capture triggers from the old tables (ACCESS EXCLUSIVE on each, briefly, under the
-- model's lockTimeout), the shadow family and its change logs with its schema and its
-- config rows, and the
-- adoption's row. The old tables were never changed otherwise: the database is as it was,
-- with every write made meanwhile. After the swap the new tables are the live ones; it is
-- refused then (finish instead).
CREATE OR REPLACE FUNCTION parting.adopt_abort(p_model text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_a parting.adoption;
  v_m jsonb;
  v_old regclass;
BEGIN
  SELECT * INTO v_a FROM parting.adoption a WHERE a.model = p_model FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no adoption of "%" in progress', p_model USING ERRCODE = 'invalid_parameter_value';
  ELSIF v_a.phase = 'swapped' THEN
    RAISE EXCEPTION 'adoption of "%" is swapped: the new tables are the live ones, and the old ones are behind them', p_model
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = format('finish it: pgpart adopt %s --finish (the old tables are in schema %s until then)', p_model, v_a.retired_schema);
  END IF;
  PERFORM set_config('lock_timeout', (parting._settings()).lock_timeout, true);
  FOR v_m IN SELECT m FROM jsonb_array_elements(v_a.members) m LOOP
    v_old := to_regclass(format('%I.%I', v_a.schema_name, v_m #>> '{config,table_name}'));
    IF v_old IS NOT NULL THEN
      EXECUTE format('DROP TRIGGER IF EXISTS pgpart_adopt_capture ON %s', v_old);
      EXECUTE format('DROP TRIGGER IF EXISTS pgpart_adopt_capture_truncate ON %s', v_old);
    END IF;
  END LOOP;
  FOR v_m IN SELECT m FROM jsonb_array_elements(v_a.members) WITH ORDINALITY x(m, n) ORDER BY n DESC LOOP
    EXECUTE format('DROP TABLE IF EXISTS %I.%I', v_a.shadow_schema, v_m #>> '{config,table_name}');
    EXECUTE format('DROP FUNCTION IF EXISTS %I.%I()', v_a.shadow_schema, parting._name('pgpart_capture', v_m #>> '{config,table_name}'));
    EXECUTE format('DROP TABLE IF EXISTS %I.%I', v_a.shadow_schema, parting._name('pgpart_log', v_m #>> '{config,table_name}'));
  END LOOP;
  IF to_regnamespace(quote_ident(v_a.shadow_schema)) IS NOT NULL THEN
    EXECUTE format('DROP SCHEMA %I', v_a.shadow_schema);
  END IF;
  DELETE FROM parting.offline o WHERE o.model IN (SELECT m #>> '{config,model}' FROM jsonb_array_elements(v_a.members) m);
  DELETE FROM parting.config c WHERE c.model IN (SELECT m #>> '{config,model}' FROM jsonb_array_elements(v_a.members) m);
  DELETE FROM parting.adoption a WHERE a.model = p_model;
  PERFORM parting._log(p_model, NULL, 'adopted', jsonb_build_object('step', 'abort', 'phase', v_a.phase));
END;
$$;

COMMENT ON FUNCTION parting.adopt_abort(text) IS
$c$Undoes an adoption before its swap: drops the capture triggers, the shadow family and its config rows; the old tables are as they were, with every write made meanwhile.$c$;
