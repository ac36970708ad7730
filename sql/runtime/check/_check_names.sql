-- 'misnamed partition': an attached partition of a range model not named as pgpart names
-- its bounds; maintenance finds partitions by name (parting._attached_between), so it would
-- not see it.
CREATE OR REPLACE FUNCTION parting._check_names(p_cfg parting.config, p_tables jsonb)
RETURNS SETOF parting.problem
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT p_cfg.model, t.rel::text, t.suffix, 'misnamed partition',
         format('named %s; pgpart names the partition of these bounds %s, and maintenance looks for it by that name',
                t.relname, parting._name(p_cfg.table_name, t.suffix)),
         format('none: rename it (ALTER TABLE %s RENAME TO %I; ACCESS EXCLUSIVE for a moment)', t.rel, parting._name(p_cfg.table_name, t.suffix)),
         false
    FROM jsonb_populate_recordset(NULL::parting.made_table, p_tables) t
   WHERE t.state = 'attached' AND NOT t.is_default AND p_cfg.strategy = 'range'
     AND t.relname <> parting._name(p_cfg.table_name, t.suffix)
$$;
