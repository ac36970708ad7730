-- Deletes parting.history rows older than historyKeep, at most 10,000 a run (oldest
-- first, by the index on at), so a run's pruning stays one short transaction; a
-- one-minute schedule writing a row per family per run is pruned faster than it grows.
-- historyKeep is a project setting (parting._settings()). One statement, in SQL: every
-- run calls this, and a new connection would otherwise compile a PL/pgSQL routine for it.
CREATE OR REPLACE FUNCTION parting._prune_history()
RETURNS bigint
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
  WITH gone AS (
    DELETE FROM parting.history h
     WHERE h.id IN (SELECT x.id FROM parting.history x
                     WHERE x.at < now() - (SELECT s.history_keep FROM parting._settings() s)::interval
                     ORDER BY x.at LIMIT 10000)
    RETURNING 1)
  SELECT count(*) FROM gone
$$;
