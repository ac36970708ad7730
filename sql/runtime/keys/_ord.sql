-- A range partition key value (canonical or as pg_get_expr prints it) as a number that
-- sorts like the key: integers as themselves, times as epoch seconds; an integer range's
-- MAXVALUE bound as numeric Infinity, above every key.
CREATE OR REPLACE FUNCTION parting._ord(p_cfg parting.config, p_value text)
RETURNS numeric
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN CASE WHEN p_value = 'MAXVALUE' THEN 'Infinity'::numeric
              WHEN p_cfg.key_type = 'integer' THEN p_value::numeric
              WHEN p_cfg.key_type = 'timestamptz' THEN extract(epoch FROM p_value::timestamptz)
              ELSE extract(epoch FROM p_value::timestamp) END;
END;
$$;
