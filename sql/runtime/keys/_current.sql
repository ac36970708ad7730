-- The "current" value of a range model, as canonical text: now() for time keys; for an
-- integer key, which has no clock, the largest key stored (0 when empty), as pg_partman
-- does, leaving out the default partition: one stray key there must not move "current",
-- and with it every retention cutoff.
CREATE OR REPLACE FUNCTION parting._current(p_cfg parting.config)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_default regclass := to_regclass(format('%I.%I', p_cfg.schema_name, parting._name(p_cfg.table_name, 'default')));
  v_max text;
BEGIN
  IF p_cfg.key_type <> 'integer' THEN
    RETURN parting._canonical_abs(p_cfg, now());
  END IF;
  EXECUTE format('SELECT coalesce(max(%I), 0)::text FROM %I.%I%s', p_cfg.key_column, p_cfg.schema_name, p_cfg.table_name,
                 CASE WHEN v_default IS NULL THEN '' ELSE format(' WHERE tableoid <> %L::regclass', v_default) END)
     INTO v_max;
  RETURN v_max;
END;
$$;
