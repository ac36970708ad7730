-- A session that holds a lock on one of p_rels conflicting with the mode asked for it
-- (p_modes[i] for p_rels[i]), in a transaction open longer than p_older: it will not let
-- go within lock_timeout, so asking now would only stall writers. Autovacuum is not one:
-- it gives way to a lock request. NULL when there is none.
--
-- pg_locks (who holds what) is readable by every role; pg_stat_activity's xact_start is not:
-- a role that is not a member of the holder's and may not read all statistics gets NULL. A
-- holder whose start is hidden is never taken to be young on that account: its age is
-- bounded by p_seen (parting._first_seen: the transactions open at this caller's earlier
-- looks), so one begun since an earlier look is young, and one already open at the first
-- look (or not seen at all) is of unknown age and counted as old. A prepared transaction
-- (no session) is old too: it holds its locks until someone commits it.
CREATE OR REPLACE FUNCTION parting._blocker(p_rels regclass[], p_modes text[], p_older interval, p_seen jsonb)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  -- PL/pgSQL, not SQL: it runs before every lock try, and a SQL function's query is planned
  -- again at each call, which cost several times what it reads. The locks that conflict come
  -- first; only their holders' activity is read, one backend each.
  RETURN (
    SELECT CASE
             WHEN l.pid IS NULL THEN
               format('a prepared transaction (%s) holds %s on %s', l.virtualtransaction, l.mode, l.relation::regclass)
             WHEN a.xact_start IS NOT NULL THEN
               format('pid %s holds %s on %s in a transaction open for %s s', l.pid, l.mode, l.relation::regclass,
                      round(extract(epoch FROM clock_timestamp() - a.xact_start), 1))
             ELSE
               format('pid %s (role %s) holds %s on %s in a transaction whose start this role may not read, open for %s',
                      l.pid, coalesce(pg_get_userbyid(a.usesysid)::text, '?'), l.mode, l.relation::regclass,
                      CASE WHEN s.seen = 'null'::jsonb
                           THEN format('at least %s s', round((extract(epoch FROM clock_timestamp()) - s.first_look)::numeric, 1))
                           ELSE 'an unknown time' END || ' (taken as old)')
           END
      FROM (SELECT l.pid, l.mode, l.relation, l.virtualtransaction, want.n
              FROM unnest(p_rels, p_modes) WITH ORDINALITY AS want(rel, mode, n)
              JOIN pg_locks l ON l.relation = want.rel
             WHERE l.locktype = 'relation' AND l.granted AND l.pid IS DISTINCT FROM pg_backend_pid()
               AND l.database = (SELECT d.oid FROM pg_database d WHERE d.datname = current_database())
               AND l.mode = ANY (parting._conflicts(want.mode))
            OFFSET 0) l
      -- (pid 0, never a backend's, for a prepared transaction: NULL would list every backend)
      LEFT JOIN LATERAL pg_stat_get_activity(coalesce(l.pid, 0)) a ON true
     CROSS JOIN LATERAL (
       SELECT (p_seen -> 'vx' -> l.virtualtransaction) AS seen,
              to_timestamp((p_seen -> 'vx' ->> l.virtualtransaction)::double precision) AS began,
              (p_seen ->> 'first')::double precision AS first_look) s
     WHERE l.pid IS NULL
        OR (a.xact_start IS NOT NULL AND a.backend_type <> 'autovacuum worker' AND a.xact_start < clock_timestamp() - p_older)
        -- Hidden: a background worker (autovacuum) has no role; a session's age is what p_seen says.
        OR (a.xact_start IS NULL AND a.usesysid IS NOT NULL
            AND (p_seen IS NULL
                 OR (s.seen IS NOT NULL AND (s.seen = 'null'::jsonb OR s.began < clock_timestamp() - p_older))))
     -- The oldest holder, on the first relation asked for, its strongest lock there: one
     -- answer for the same situation, whatever order pg_locks lists them in.
     ORDER BY coalesce(a.xact_start, s.began, '-infinity'), l.n,
              array_position(ARRAY['AccessExclusiveLock', 'ExclusiveLock', 'ShareRowExclusiveLock', 'ShareLock',
                                   'ShareUpdateExclusiveLock', 'RowExclusiveLock', 'RowShareLock', 'AccessShareLock'], l.mode)
     LIMIT 1);
END;
$$;
