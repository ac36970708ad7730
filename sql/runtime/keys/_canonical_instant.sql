-- The canonical text of an instant for a timestamptz key: the UTC time with an explicit +00,
-- whatever the session's TimeZone or DateStyle. Infinity and instants before year 1 (BC,
-- which the text could not tell from AD) have no partition: an error.
CREATE OR REPLACE FUNCTION parting._canonical_instant(p_cfg parting.config, p_at timestamptz)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF NOT isfinite(p_at) THEN
    RAISE EXCEPTION 'model "%": % has no partition', p_cfg.model, p_at USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_at < timestamptz '0001-01-01 00:00:00+00' THEN
    RAISE EXCEPTION 'model "%": % is before year 1 (BC): pgpart makes no partitions for BC times', p_cfg.model, p_at
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00';
END;
$$;
