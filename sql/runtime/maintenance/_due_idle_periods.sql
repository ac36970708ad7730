-- The suffixes parting._due_idle expects for a time key with partitions of p_unit (every
-- case but a timestamptz key by the hour: parting._due_idle_hours): the current period and
-- p_premake periods ahead, wall-clock periods in zone p_zone named by their start, by
-- parting._bound's rule written out (no PL/pgSQL routine to compile). Every value is
-- zone-explicit, so the session's TimeZone does not change it.
--
-- A routine of its own, with a SET clause so that it is never inlined: a new connection
-- parses and plans it only when some family has such partitions, and the query over the
-- other families never carries it.
CREATE OR REPLACE FUNCTION parting._due_idle_periods(p_unit text, p_zone text, p_premake integer)
RETURNS text[]
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT ARRAY(
    SELECT to_char(date_trunc(p_unit, now() AT TIME ZONE p_zone)
                     + g::float8 * CASE p_unit WHEN 'quarter' THEN interval '3 months' ELSE ('1 ' || p_unit)::interval END,
                   CASE p_unit WHEN 'year' THEN 'YYYY' WHEN 'quarter' THEN 'YYYY_MM' WHEN 'month' THEN 'YYYY_MM'
                               WHEN 'hour' THEN 'YYYY_MM_DD_HH24MI' ELSE 'YYYY_MM_DD' END)
      FROM generate_series(0, p_premake) g)
$$;
