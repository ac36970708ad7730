-- The tables of a model's family as parting._model_tables lists them, in no order, each with
-- its kind and the kind's place in that order (1 partition, 2 offline, 3 archive, 4
-- archived): the one listing that sorted list and the tables' fingerprints
-- (parting._table_fingerprints, which needs no order) both read.
CREATE OR REPLACE FUNCTION parting._family_tables(p_cfg parting.config)
RETURNS TABLE (rel regclass, kind text, ord integer)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  WITH parent AS (SELECT to_regclass(format('%I.%I', p_cfg.schema_name, p_cfg.table_name)) AS oid),
       archive AS (SELECT to_regclass(format('%I.%I', (parting._settings()).archive_schema, p_cfg.table_name)) AS oid)
  SELECT i.inhrelid::regclass, 'partition'::text, 1
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
$$;
