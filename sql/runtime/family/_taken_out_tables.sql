-- The tables of a model's family that its parent does not hold, in no order, each with its
-- kind and the kind's place in parting._model_tables' order: 2 'offline' (detached, filling
-- or detaching: parting.offline's, while no parent holds them), 3 'archive' (archive.<table>,
-- if it exists), 4 'archived' (the archive table's partitions). With the attached partitions
-- (pg_inherits of the parent) they are the family: parting._family_tables lists both, and
-- parting._table_fingerprints, which reads the attached ones straight from pg_inherits.
CREATE OR REPLACE FUNCTION parting._taken_out_tables(p_cfg parting.config)
RETURNS TABLE (rel regclass, kind text, ord integer)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  WITH archive AS (SELECT to_regclass(format('%I.%I', (parting._settings()).archive_schema, p_cfg.table_name)) AS oid)
  SELECT r.rel, 'offline'::text, 2
    FROM parting.offline o
   CROSS JOIN LATERAL (SELECT to_regclass(format('%I.%I', o.schema_name, o.table_name)) AS rel) r
   WHERE o.model = p_cfg.model AND r.rel IS NOT NULL
     AND NOT EXISTS (SELECT FROM pg_inherits i WHERE i.inhrelid = r.rel)
  UNION ALL
  SELECT archive.oid::regclass, 'archive', 3 FROM archive WHERE archive.oid IS NOT NULL
  UNION ALL
  SELECT i.inhrelid::regclass, 'archived', 4 FROM pg_inherits i, archive WHERE i.inhparent = archive.oid
$$;
