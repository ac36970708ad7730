-- Every table that holds a model's rows besides its parent, which a change to the model's
-- columns or indexes must reach so that a partition taken out can always be put back:
--   'partition'  attached to the parent (the default partition too), from pg_inherits;
--   'offline'    detached, filling or detaching tables no parent holds (parting.offline);
--   'archive'    the model's archive table (archive.<table>), if it exists;
--   'archived'   the archive table's partitions.
-- Ordered as writers reach them: attached partitions, then the rest; each kind by name as
-- regclass prints it here (schema-qualified: no schema of the user is on this search_path),
-- written out with format() so that the sort needs no catalog lookup per table.
CREATE OR REPLACE FUNCTION parting._model_tables(p_cfg parting.config)
RETURNS TABLE (rel regclass, kind text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  WITH parent AS (SELECT to_regclass(format('%I.%I', p_cfg.schema_name, p_cfg.table_name)) AS oid),
       archive AS (SELECT to_regclass(format('%I.%I', (parting._settings()).archive_schema, p_cfg.table_name)) AS oid)
  SELECT x.rel, x.kind FROM (
    SELECT i.inhrelid::regclass AS rel, 'partition'::text AS kind, 1 AS ord
      FROM pg_inherits i, parent WHERE i.inhparent = parent.oid
    UNION ALL
    SELECT r.rel, 'offline', 2
      FROM parting.offline o
     CROSS JOIN LATERAL (SELECT to_regclass(format('%I.%I', o.schema_name, o.table_name)) AS rel) r
     WHERE o.model = p_cfg.model AND r.rel IS NOT NULL
       AND NOT EXISTS (SELECT FROM pg_inherits i WHERE i.inhrelid = r.rel)
    UNION ALL
    SELECT archive.oid::regclass, 'archive', 3 FROM archive WHERE archive.oid IS NOT NULL
    UNION ALL
    SELECT i.inhrelid::regclass, 'archived', 4 FROM pg_inherits i, archive WHERE i.inhparent = archive.oid
  ) x
  ORDER BY x.ord, (SELECT format('%I.%I', n.nspname, c.relname)
                      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = x.rel)
$$;
