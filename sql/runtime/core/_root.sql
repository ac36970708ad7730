-- The config row of a root model, for the functions that act on whole families: an error
-- naming the root when given a dependent (families move together).
CREATE OR REPLACE FUNCTION parting._root(p_model text, p_function text)
RETURNS parting.config
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_cfg parting.config := parting._model(p_model);
BEGIN
  IF v_cfg.parent_model IS NOT NULL THEN
    RAISE EXCEPTION 'model "%" is partitioned in lockstep with "%"', p_model, v_cfg.root_model
      USING ERRCODE = 'invalid_parameter_value',
            HINT = format('call parting.%s(%L, ...): it acts on the whole family', p_function, v_cfg.root_model);
  END IF;
  RETURN v_cfg;
END;
$$;
