-- Every table of a model pgpart made, whatever its state, with what it should be: its key's
-- suffix and bounds, whether it is the default partition, and where it is (attached, from the
-- catalog; detached, filling, detaching or archived, from parting.offline, when the table
-- still exists). What parting.check compares with the catalog, table by table.
CREATE OR REPLACE FUNCTION parting._made_tables(p_cfg parting.config)
RETURNS TABLE (rel regclass, relname text, suffix text, lower text, upper text, is_default boolean, state text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT a.partition, r.relname::text,
         CASE WHEN a.is_default THEN 'default' WHEN p_cfg.strategy = 'range' THEN a.key ELSE (parting._bound(p_cfg, a.lower)).suffix END,
         a.lower, a.upper, a.is_default, 'attached'
    FROM parting._attached(p_cfg.model) a JOIN pg_class r ON r.oid = a.partition
  UNION ALL
  SELECT t.rel, o.table_name, o.suffix, o.lower, o.upper, false, o.state
    FROM parting.offline o
   CROSS JOIN LATERAL (SELECT to_regclass(format('%I.%I', o.schema_name, o.table_name)) AS rel) t
   WHERE o.model = p_cfg.model AND t.rel IS NOT NULL
     AND NOT EXISTS (SELECT FROM pg_inherits i
                      WHERE i.inhrelid = t.rel AND i.inhparent = to_regclass(format('%I.%I', p_cfg.schema_name, p_cfg.table_name)))
$$;
