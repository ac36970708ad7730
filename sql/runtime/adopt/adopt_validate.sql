-- After the swap: validates one foreign key the swap added NOT VALID (a lockstep one of a
-- partition, or an outside table's re-pointed one) and returns its name, or NULL when none
-- is left. One per transaction: VALIDATE CONSTRAINT takes SHARE UPDATE EXCLUSIVE on the
-- referencing table and ROW SHARE on the referenced one, so writers go on while it reads.
CREATE OR REPLACE FUNCTION parting.adopt_validate(p_model text)
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_a parting.adoption;
  v_f jsonb;
BEGIN
  SELECT * INTO v_a FROM parting.adoption a WHERE a.model = p_model FOR UPDATE;
  IF NOT FOUND OR v_a.phase <> 'swapped' THEN
    RAISE EXCEPTION 'adoption of "%" is not swapped (%)', p_model, coalesce(v_a.phase, 'not started')
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  v_f := v_a.to_validate -> 0;
  IF v_f IS NULL THEN
    RETURN NULL;
  END IF;
  PERFORM set_config('lock_timeout', (parting._settings()).lock_timeout, true);
  IF EXISTS (SELECT FROM pg_constraint k WHERE k.conrelid = to_regclass(v_f ->> 'table') AND k.conname = v_f ->> 'name' AND NOT k.convalidated) THEN
    EXECUTE format('ALTER TABLE %s VALIDATE CONSTRAINT %I', v_f ->> 'table', v_f ->> 'name');
  END IF;
  UPDATE parting.adoption a SET to_validate = a.to_validate - 0, updated_at = now() WHERE a.model = p_model;
  RETURN format('%s.%s', v_f ->> 'table', v_f ->> 'name');
END;
$$;

COMMENT ON FUNCTION parting.adopt_validate(text) IS
$c$Validates one foreign key an adoption's swap added NOT VALID; NULL when none is left.$c$;
