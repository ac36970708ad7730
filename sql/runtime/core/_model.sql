-- The config row of a model, or an error that names the model and lists the known ones.
CREATE OR REPLACE FUNCTION parting._model(p_model text)
RETURNS parting.config
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_cfg parting.config;
BEGIN
  SELECT * INTO v_cfg FROM parting.config WHERE model = p_model;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unknown model "%"', p_model
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('models: %s', coalesce((SELECT string_agg(model, ', ' ORDER BY model) FROM parting.config), 'none (is install.sql applied?)'));
  END IF;
  RETURN v_cfg;
END;
$$;
