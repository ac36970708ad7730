-- What pgpart knows of the age of every transaction now open, for a holder whose start it
-- may not read (another role's session, when this role may not read all statistics):
-- {"at": this look's time, "first": the first look's, "vx": {virtual transaction id: the time it began after, or null
-- when unknown}}, from pg_locks, which every role may read (every transaction holds its own
-- virtualxid lock). p_seen is the previous look of the same caller (NULL at the first): a
-- transaction it did not list began after it, so it is younger than that look; one it
-- listed keeps what was known of it; one listed at the first look is of unknown age.
CREATE OR REPLACE FUNCTION parting._first_seen(p_seen jsonb)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  -- PL/pgSQL, not SQL: it runs before every lock try (see parting._blocker).
  RETURN jsonb_build_object(
    'at', extract(epoch FROM clock_timestamp()),
    'first', coalesce(p_seen -> 'first', to_jsonb(extract(epoch FROM clock_timestamp()))),
    'vx', (SELECT coalesce(jsonb_object_agg(l.virtualxid,
                                            CASE WHEN p_seen IS NULL THEN 'null'::jsonb
                                                 WHEN (p_seen -> 'vx') ? l.virtualxid THEN p_seen -> 'vx' -> l.virtualxid
                                                 ELSE p_seen -> 'at' END), '{}'::jsonb)
             FROM pg_locks l
            WHERE l.locktype = 'virtualxid' AND l.granted AND l.virtualxid IS NOT NULL));
END;
$$;
