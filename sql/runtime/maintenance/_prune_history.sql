-- Deletes parting.history rows older than historyKeep, at most 10,000 a run (oldest
-- first, by the index on at), so a run's pruning stays one short transaction; a
-- one-minute schedule writing a row per family per run is pruned faster than it grows.
-- historyKeep is a project setting, read from parting.settings here rather than through
-- parting._settings(): every run calls this, and a new connection would otherwise compile
-- a PL/pgSQL routine and look up its composite type for it (without the settings row,
-- which install writes, nothing is pruned; a run's plan then stops at _settings' error).
-- One statement, in SQL, its operators named with their exact types: the sort by `at`
-- with pg_catalog's `<` for timestamptz, not the type's default ordering, which a new
-- connection finds by weighing every btree operator class against the type (a catalog
-- probe each).
CREATE OR REPLACE FUNCTION parting._prune_history()
RETURNS bigint
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
  WITH gone AS (
    DELETE FROM parting.history h
     WHERE h.id IN (SELECT x.id FROM parting.history x
                     WHERE x.at < now() - (SELECT s.history_keep FROM parting.settings s)::interval
                     ORDER BY x.at USING OPERATOR(pg_catalog.<) LIMIT 10000)
    RETURNING 1)
  SELECT count(*) FROM gone
$$;
