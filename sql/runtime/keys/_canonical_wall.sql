-- The canonical text of a wall-clock time (in the model's pinned time zone); see _canonical_abs.
-- Infinity and times before year 1 (BC) have no partition: an error.
CREATE OR REPLACE FUNCTION parting._canonical_wall(p_cfg parting.config, p_wall timestamp)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF NOT isfinite(p_wall) THEN
    RAISE EXCEPTION 'model "%": % has no partition', p_cfg.model, p_wall USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_wall < timestamp '0001-01-01 00:00:00' THEN
    RAISE EXCEPTION 'model "%": % is before year 1 (BC): pgpart makes no partitions for BC times', p_cfg.model, p_wall
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  CASE p_cfg.key_type
    WHEN 'timestamptz' THEN RETURN parting._canonical_instant(p_cfg, p_wall AT TIME ZONE p_cfg.timezone);
    WHEN 'timestamp' THEN RETURN to_char(p_wall, 'YYYY-MM-DD HH24:MI:SS.US');
    WHEN 'date' THEN RETURN to_char(p_wall, 'YYYY-MM-DD');
    ELSE RAISE EXCEPTION 'model "%" is not partitioned by time', p_cfg.model USING ERRCODE = 'invalid_parameter_value';
  END CASE;
END;
$$;
