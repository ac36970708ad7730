-- A session that holds a lock on one of p_rels conflicting with the mode asked for it
-- (p_modes[i] for p_rels[i]), in a transaction open longer than p_older: it will not let
-- go within lock_timeout, so asking now would only stall writers. Autovacuum is not one:
-- it gives way to a lock request. NULL when there is none (or when this role may not see
-- other sessions' activity: then parting._lock simply asks).
CREATE OR REPLACE FUNCTION parting._blocker(p_rels regclass[], p_modes text[], p_older interval)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  -- PL/pgSQL, not SQL: it runs before every lock try, and a SQL function's query is planned
  -- again at each call, which cost several times what it reads. The locks that conflict come
  -- first; only their holders' activity is read, one backend each.
  RETURN (
    SELECT format('pid %s holds %s on %s in a transaction open for %s s', l.pid, l.mode, l.relation::regclass,
                  round(extract(epoch FROM clock_timestamp() - a.xact_start), 1))
      FROM (SELECT l.pid, l.mode, l.relation, want.n
              FROM unnest(p_rels, p_modes) WITH ORDINALITY AS want(rel, mode, n)
              JOIN pg_locks l ON l.relation = want.rel
             WHERE l.locktype = 'relation' AND l.granted AND l.pid <> pg_backend_pid()
               AND l.database = (SELECT d.oid FROM pg_database d WHERE d.datname = current_database())
               AND l.mode = ANY (parting._conflicts(want.mode))
            OFFSET 0) l
     CROSS JOIN LATERAL pg_stat_get_activity(l.pid) a
     WHERE a.backend_type <> 'autovacuum worker'
       AND a.xact_start < clock_timestamp() - p_older
     -- The oldest holder, on the first relation asked for, its strongest lock there: one
     -- answer for the same situation, whatever order pg_locks lists them in.
     ORDER BY a.xact_start, l.n,
              array_position(ARRAY['AccessExclusiveLock', 'ExclusiveLock', 'ShareRowExclusiveLock', 'ShareLock',
                                   'ShareUpdateExclusiveLock', 'RowExclusiveLock', 'RowShareLock', 'AccessShareLock'], l.mode)
     LIMIT 1);
END;
$$;
