-- Ends an adoption after the swap (`pgpart adopt <model> --finish`): drops the old tables
-- kept in pgpart_adopted_<root> (dependents first) and that schema, and forgets the
-- adoption. ACCESS EXCLUSIVE on the old tables only, which nothing uses any more. Refused
-- while a foreign key the swap added is not validated yet (adopt_validate).
CREATE OR REPLACE FUNCTION parting.adopt_finish(p_model text)
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
  IF NOT FOUND OR v_a.phase <> 'swapped' THEN
    RAISE EXCEPTION 'adoption of "%" is not swapped (%): nothing to finish', p_model, coalesce(v_a.phase, 'not started')
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = format('go on with `pgpart adopt %s`, or undo it with `pgpart adopt %s --abort`', p_model, p_model);
  END IF;
  IF jsonb_array_length(v_a.to_validate) > 0 THEN
    RAISE EXCEPTION 'adoption of "%": % foreign key(s) the swap added are not validated yet', p_model, jsonb_array_length(v_a.to_validate)
      USING ERRCODE = 'object_not_in_prerequisite_state', HINT = format('SELECT parting.adopt_validate(%L) until it returns NULL', p_model);
  END IF;
  PERFORM set_config('lock_timeout', (parting._settings()).lock_timeout, true);
  FOR v_m IN SELECT m FROM jsonb_array_elements(v_a.members) WITH ORDINALITY x(m, n) ORDER BY n DESC LOOP
    v_old := to_regclass(format('%I.%I', v_a.retired_schema, v_m #>> '{config,table_name}'));
    IF v_old IS NOT NULL THEN
      EXECUTE format('DROP TABLE %s', v_old);
    END IF;
  END LOOP;
  IF to_regnamespace(quote_ident(v_a.retired_schema)) IS NOT NULL THEN
    EXECUTE format('DROP SCHEMA %I', v_a.retired_schema);
  END IF;
  DELETE FROM parting.adoption a WHERE a.model = p_model;
  PERFORM parting._log(p_model, NULL, 'adopted', jsonb_build_object('step', 'finish'));
END;
$$;

COMMENT ON FUNCTION parting.adopt_finish(text) IS
$c$Ends an adoption after its swap: drops the old tables (kept in pgpart_adopted_<root>) and forgets the adoption.$c$;
