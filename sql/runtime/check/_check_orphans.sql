-- 'orphan table': a table named and shaped like a partition of the model (the same columns
-- and types) that is neither attached nor recorded as detached.
CREATE OR REPLACE FUNCTION parting._check_orphans(p_cfg parting.config, p_parent regclass)
RETURNS SETOF parting.problem
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT p_cfg.model, format('%I.%I', n.nspname, r.relname), NULL, 'orphan table',
         format('named and shaped like a partition of %s, but neither attached nor recorded as detached', p_parent),
         format('none: attach it (ALTER TABLE %s ATTACH PARTITION …), or drop or rename it', p_parent), false
    FROM pg_class r JOIN pg_namespace n ON n.oid = r.relnamespace
   WHERE n.nspname IN (p_cfg.schema_name, (parting._settings()).archive_schema) AND r.relkind = 'r'
     AND left(r.relname, length(p_cfg.table_name) + 1) = p_cfg.table_name || '_'
     AND NOT EXISTS (SELECT FROM pg_inherits h WHERE h.inhrelid = r.oid)
     AND NOT EXISTS (SELECT FROM parting.offline o WHERE o.schema_name = n.nspname AND o.table_name = r.relname)
     AND NOT EXISTS (SELECT FROM parting.config c2 WHERE c2.schema_name = n.nspname AND c2.table_name = r.relname)
     AND ARRAY(SELECT (a.attname, a.atttypid) FROM pg_attribute a WHERE a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attname)
         = ARRAY(SELECT (a.attname, a.atttypid) FROM pg_attribute a WHERE a.attrelid = p_parent AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attname)
$$;
