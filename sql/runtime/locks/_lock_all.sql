-- Takes every lock in the list, or none: p_modes[i] (as LOCK TABLE spells it) on p_rels[i],
-- each list in the order given, which callers make the writers' order (parents before
-- partitions, family order), so taking them cannot deadlock with writers; a deadlock with
-- some other session is retried. Every try is one subtransaction, so a try that fails
-- releases what it took before it backs off, and no lock is ever held while waiting for
-- another. Each request runs under p_timeout (lock_timeout); a try that must fail is not
-- made: a conflicting holder whose transaction is already older than p_timeout will not
-- let go in time, and asking would stall every writer queued behind the request for
-- nothing. Between tries it backs off, jittered and exponentially. After p_tries tries it
-- raises lock_not_available naming the holder, and sooner when the statement's
-- statement_timeout would pass before the next try could end: a step then gives up as
-- 'skipped' instead of being cancelled by its own retries. Returns the tries taken. Locks are
-- taken ONLY on the relations named, never recursing into partitions.
--
-- pg_stat_activity is read from a snapshot taken at its first use in a transaction and kept
-- to the end of it, while pg_locks is read live: without a fresh snapshot at each try, a
-- writer seen in a transaction at the first try would look, at every later try, as old as
-- that snapshot, whatever transaction it holds its lock in now, and no retry would ask.
-- Where this role may not read a holder's start at all, the transactions open at each try
-- are remembered (parting._first_seen): a holder begun since an earlier try is young, one
-- open since the first is of unknown age, never asked behind.
--
-- Locks no writer conflicts with are asked for once with NOWAIT before any of that (see
-- below): the common case, nobody holding a conflicting lock, then costs no probe.
CREATE OR REPLACE FUNCTION parting._lock_all(p_timeout text, p_tries integer, p_rels regclass[], p_modes text[])
RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_try integer := 1;
  v_old text := current_setting('lock_timeout');
  v_why text;
  v_sql text[];
  v_one text;
  v_deadline timestamptz := CASE WHEN current_setting('statement_timeout') NOT IN ('0', '0ms')
                                 THEN statement_timestamp() + current_setting('statement_timeout')::interval END;
  v_pause double precision;
  v_seen jsonb;
BEGIN
  IF coalesce(cardinality(p_rels), 0) = 0 THEN
    RETURN 0;
  END IF;
  -- One LOCK per statement: Citus takes each on the workers' shards too, and a string of
  -- several statements is one EXECUTE it does not take apart.
  -- Built by a loop of expressions, not a query: a query's executor set-up alone costs more
  -- than these few strings.
  v_sql := '{}';
  FOR i IN 1 .. cardinality(p_rels) LOOP
    v_sql := v_sql || format('LOCK TABLE ONLY %s IN %s MODE', p_rels[i], p_modes[i]);
  END LOOP;
  -- Locks no reader or writer conflicts with (SHARE UPDATE EXCLUSIVE and weaker, as a new
  -- partition's ATTACH takes on the parents) are first asked for with NOWAIT: granted at
  -- once, or refused at once without queueing, so no writer ever waits behind the request,
  -- and what was taken of the list before a refusal, let go at once, stopped no reader or
  -- writer meanwhile. Granted, there is nothing to probe for; refused (some session holds
  -- or waits for a conflicting lock), the tries below look for the holder and ask as always.
  IF p_modes <@ ARRAY['SHARE UPDATE EXCLUSIVE', 'ROW EXCLUSIVE', 'ROW SHARE', 'ACCESS SHARE'] THEN
    BEGIN
      FOREACH v_one IN ARRAY v_sql LOOP
        EXECUTE v_one || ' NOWAIT';
      END LOOP;
      RETURN v_try;
    EXCEPTION WHEN OTHERS THEN
      -- Refused (or not taken for any other reason): the subtransaction's rollback has
      -- released what it took; the tries below ask properly, and raise what must be raised.
      NULL;
    END;
  END IF;
  LOOP
    PERFORM pg_stat_clear_snapshot();
    v_seen := parting._first_seen(v_seen);
    v_why := parting._blocker(p_rels, p_modes, p_timeout::interval, v_seen);
    IF v_why IS NULL THEN
      BEGIN
        PERFORM set_config('lock_timeout', p_timeout, true);
        FOREACH v_one IN ARRAY v_sql LOOP
          EXECUTE v_one;
        END LOOP;
        PERFORM set_config('lock_timeout', v_old, true);
        RETURN v_try;
      EXCEPTION WHEN lock_not_available OR deadlock_detected THEN
        -- The subtransaction's rollback has released its locks and restored lock_timeout.
        v_why := CASE WHEN SQLSTATE = '40P01' THEN 'deadlock with another session'
                      ELSE format('lock_timeout (%s) expired', p_timeout) END;
      END;
    END IF;
    v_pause := least(0.05 * 2 ^ v_try, 2.0) * (0.5 + random() / 2);
    IF v_try < p_tries AND v_deadline IS NOT NULL
       AND clock_timestamp() + make_interval(secs => v_pause) + p_timeout::interval > v_deadline THEN
      v_why := v_why || '; statement_timeout would pass before another try ends';
      v_pause := NULL;
    END IF;
    IF v_try >= p_tries OR v_pause IS NULL THEN
      RAISE EXCEPTION 'could not take the locks on % after % tries: %',
                      (SELECT string_agg(r::text, ', ' ORDER BY n) FROM unnest(p_rels) WITH ORDINALITY AS u(r, n) WHERE n <= 3)
                      || CASE WHEN cardinality(p_rels) > 3 THEN format(' and %s more', cardinality(p_rels) - 3) ELSE '' END,
                      v_try, v_why
        USING ERRCODE = 'lock_not_available';
    END IF;
    PERFORM pg_sleep(v_pause);
    v_try := v_try + 1;
  END LOOP;
END;
$$;
