-- The suffixes parting._due_idle expects for a timestamptz key with hourly partitions in zone
-- p_zone: the current hour and p_premake hours ahead, absolute hours as _due_create walks
-- them (each from the last one's upper bound), named by their wall-clock start in the zone
-- (a repeated hour named _2). parting._bound's hour arithmetic is written out here rather
-- than called: a new connection's first run then compiles no PL/pgSQL routine for it
-- (_current, _bound, _canonical_*). Every value is zone-explicit, so the session's TimeZone
-- does not change it. Its literals typed text: to_char and date_trunc have several forms,
-- and a literal of unknown type would have a new connection weigh every one (a catalog probe
-- per candidate type).
--
-- A routine of its own, with a SET clause so that it is never inlined: a new connection
-- parses and plans it only when some family has hourly timestamptz partitions, and the
-- query over the other families never carries it.
CREATE OR REPLACE FUNCTION parting._due_idle_hours(p_zone text, p_premake integer)
RETURNS text[]
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT ARRAY(
    SELECT to_char(h.at AT TIME ZONE p_zone, 'YYYY_MM_DD_HH24MI'::text)
           || CASE WHEN (h.at - interval '1 hour') AT TIME ZONE p_zone >= h.at AT TIME ZONE p_zone
                   THEN '_2' ELSE '' END
      FROM (WITH RECURSIVE ahead (i, at) AS (
              SELECT 0, date_bin(interval '1 hour', c.at, date_trunc('hour'::text, c.at AT TIME ZONE p_zone) AT TIME ZONE p_zone)
                FROM (SELECT date_bin(interval '1 hour', now(), date_trunc('hour'::text, now() AT TIME ZONE p_zone) AT TIME ZONE p_zone) AS at) c
              UNION ALL
              SELECT a.i + 1, date_bin(interval '1 hour', a.at + interval '1 hour',
                                       date_trunc('hour'::text, (a.at + interval '1 hour') AT TIME ZONE p_zone) AT TIME ZONE p_zone)
                FROM ahead a WHERE a.i < p_premake)
            SELECT a.at FROM ahead a) h)
$$;
