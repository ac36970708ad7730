-- Deletes parting.history rows older than historyKeep, at most 10,000 a run (oldest
-- first, by the index on at), so a run's pruning stays one short transaction; a
-- one-minute schedule writing a row per family per run is pruned faster than it grows.
-- historyKeep is a project setting (parting._settings()).
CREATE OR REPLACE FUNCTION parting._prune_history()
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_keep interval := (parting._settings()).history_keep::interval;
  v_n bigint;
BEGIN
  IF v_keep IS NULL THEN
    RETURN 0;
  END IF;
  DELETE FROM parting.history h
   WHERE h.id IN (SELECT x.id FROM parting.history x WHERE x.at < now() - v_keep ORDER BY x.at LIMIT 10000);
  GET DIAGNOSTICS v_n = ROW_COUNT;
  RETURN v_n;
END;
$$;
