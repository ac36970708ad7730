-- What `pgpart adopt` would do with each family of the config whose root model's table
-- exists as a plain table (or with the one family named): parting._adopt_plan's rows, each
-- led by the root model it belongs to. Changes nothing. A model that is not the root of a
-- family, or whose table is not a plain table, is an error naming what to do instead.
CREATE OR REPLACE FUNCTION parting.adopt_plan(p_desired jsonb, p_model text DEFAULT NULL,
                                              p_search_path text DEFAULT current_setting('search_path'))
RETURNS TABLE (root text, model text, item text, detail text, refused text)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_m jsonb;
BEGIN
  IF p_model IS NOT NULL THEN
    SELECT m INTO v_m FROM jsonb_array_elements(p_desired -> 'models') m WHERE m #>> '{config,model}' = p_model;
    IF v_m IS NULL THEN
      RAISE EXCEPTION 'pgpart adopt: no model "%" in the config', p_model
        USING ERRCODE = 'invalid_parameter_value',
              DETAIL = format('models: %s', (SELECT string_agg(m #>> '{config,model}', ', ') FROM jsonb_array_elements(p_desired -> 'models') m));
    ELSIF v_m #>> '{config,parent_model}' IS NOT NULL THEN
      RAISE EXCEPTION 'pgpart adopt: model "%" is in lockstep with "%": a family is adopted whole, from its root: pgpart adopt %',
                      p_model, v_m #>> '{config,parent_model}', v_m #>> '{config,root_model}'
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
  END IF;
  FOR v_m IN
    SELECT m FROM jsonb_array_elements(p_desired -> 'models') m
     WHERE m #>> '{config,parent_model}' IS NULL AND (p_model IS NULL OR m #>> '{config,model}' = p_model)
       AND (p_model IS NOT NULL
            OR (SELECT c.relkind FROM pg_class c WHERE c.oid = to_regclass(format('%I.%I', m #>> '{config,schema_name}', m #>> '{config,table_name}'))) = 'r')
  LOOP
    RETURN QUERY SELECT v_m #>> '{config,model}', p.model, p.item, p.detail, p.refused
                   FROM parting._adopt_plan(p_desired, v_m #>> '{config,model}', p_search_path) p;
  END LOOP;
END;
$$;

COMMENT ON FUNCTION parting.adopt_plan(jsonb, text, text) IS
$c$What adopting each family whose root table exists unpartitioned would do (key range, partitions with rows estimated from statistics, columns dependents gain, foreign keys re-pointed, views, disk) and what it refuses; changes nothing.$c$;
