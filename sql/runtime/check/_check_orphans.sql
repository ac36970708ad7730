-- 'orphan table': a table of the model's shape (the same columns and types), neither
-- attached nor recorded as detached, that pgpart made or would make under that name: it
-- carries pgpart's own bound check (`<name>_bound`), or is named as the model's default
-- partition, or as a range partition of this model is (`tweet_2099_01`), a name maintenance
-- could not use. Not a table of the user's that merely starts with the model's name
-- (`tweet_backup`, `CREATE TABLE … (LIKE tweet)`): a list key could be any word, so
-- for list models only what pgpart made counts.
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
     -- A scalar subquery, not NOT EXISTS: one probe of pg_inherits' index per candidate
     -- whatever the catalog's statistics say. Right after thousands of partitions are made
     -- (before autovacuum analyzes the catalogs) the planner took the candidates for one
     -- row and turned NOT EXISTS into an anti join that read all of pg_inherits per candidate.
     AND (SELECT count(*) FROM pg_inherits h WHERE h.inhrelid = r.oid) = 0
     AND NOT EXISTS (SELECT FROM parting.offline o WHERE o.schema_name = n.nspname AND o.table_name = r.relname)
     AND NOT EXISTS (SELECT FROM parting.config c2 WHERE c2.schema_name = n.nspname AND c2.table_name = r.relname)
     AND (EXISTS (SELECT FROM pg_constraint k WHERE k.conrelid = r.oid AND k.contype = 'c'
                     AND k.conname = parting._name(r.relname, 'bound'))
          OR r.relname = parting._name(p_cfg.table_name, 'default')
          OR (p_cfg.strategy = 'range'
              AND substr(r.relname, length(p_cfg.table_name) + 2)
                  ~ CASE WHEN p_cfg.key_type = 'integer' THEN '^m?[0-9]+$'
                         WHEN p_cfg.unit = 'year' THEN '^[0-9]{4}$'
                         WHEN p_cfg.unit IN ('month', 'quarter') THEN '^[0-9]{4}_[0-9]{2}$'
                         WHEN p_cfg.unit = 'hour' THEN '^[0-9]{4}_[0-9]{2}_[0-9]{2}_[0-9]{4}(_2)?$'
                         ELSE '^[0-9]{4}_[0-9]{2}_[0-9]{2}$' END))
     AND ARRAY(SELECT (a.attname, a.atttypid) FROM pg_attribute a WHERE a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attname)
         = ARRAY(SELECT (a.attname, a.atttypid) FROM pg_attribute a WHERE a.attrelid = p_parent AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attname)
$$;
