-- The name suffix of the partition holding a user's key ('2013-03', 'baz', 42).
CREATE OR REPLACE FUNCTION parting._suffix(p_cfg parting.config, p_key text)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN (parting._bound(p_cfg, parting._canonical(p_cfg, p_key))).suffix;
END;
$$;
