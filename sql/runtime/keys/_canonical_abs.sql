-- The canonical text of a point in time for a time-range model: for timestamptz keys the
-- UTC instant (parting._canonical_instant), for timestamp/date keys the wall-clock time in
-- the model's pinned time zone (parting._canonical_wall). Canonical texts never depend on
-- the session's TimeZone or DateStyle, so a client in another zone computes the same
-- partitions.
CREATE OR REPLACE FUNCTION parting._canonical_abs(p_cfg parting.config, p_at timestamptz)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE WHEN p_cfg.key_type = 'timestamptz' THEN parting._canonical_instant(p_cfg, p_at)
              ELSE parting._canonical_wall(p_cfg, p_at AT TIME ZONE p_cfg.timezone) END
$$;
