-- The canonical text of a point in time for a time-range model: for timestamptz keys the
-- UTC instant with an explicit +00, for timestamp/date keys the wall-clock time in the
-- model's pinned time zone. Canonical texts never depend on the session's TimeZone or
-- DateStyle, so a client in another zone computes the same partitions.
CREATE OR REPLACE FUNCTION parting._canonical_abs(p_cfg parting.config, p_at timestamptz)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF p_cfg.key_type = 'timestamptz' THEN
    RETURN to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00';
  END IF;
  RETURN parting._canonical_wall(p_cfg, p_at AT TIME ZONE p_cfg.timezone);
END;
$$;
