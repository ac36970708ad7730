-- The key guard (parting._key_guard) of a parent model's archive table: archived partitions
-- keep their partition foreign keys (ON UPDATE CASCADE, the configured ON DELETE), so an
-- UPDATE of the key moving an archived row to another archived partition would delete its
-- archived dependents, or cut them loose, as it would in the live table. The same trigger,
-- told it guards an archive table (its second argument), refuses it there; PostgreSQL clones
-- it onto every archived partition, and drops the clone when a partition is detached to go
-- back to the live table, which clones the live table's guard onto it.
-- A distributed model's archive table is distributed too and gets none (Citus refuses
-- triggers on distributed tables), as its live table.
-- Returns the CREATE TRIGGER statement for p_archive, or NULL when the model needs none
-- (p_dependents: whether any model references it).
CREATE OR REPLACE FUNCTION parting._archive_key_guard(p_cfg parting.config, p_dependents boolean, p_archive regclass)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT parting._key_guard_statement(p_cfg, p_dependents, p_archive::text, true)
$$;
