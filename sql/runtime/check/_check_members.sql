-- 'missing member': a key the parent model has (p_parent_tables) that this dependent has no
-- table for.
CREATE OR REPLACE FUNCTION parting._check_members(p_cfg parting.config, p_tables jsonb, p_parent_tables jsonb)
RETURNS SETOF parting.problem
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT p_cfg.model, parting._name(p_cfg.table_name, r.suffix), r.suffix, 'missing member',
         format('%s has %s (%s), %s has no partition for it', p_cfg.parent_model, r.relname, r.state, p_cfg.model),
         CASE WHEN r.state = 'attached' THEN 'create it, with its foreign key (parting.ensure_partition)'
              ELSE 'none: the family is detached; attach it back or drop it whole' END,
         r.state = 'attached'
    FROM jsonb_populate_recordset(NULL::parting.made_table, p_parent_tables) r
   WHERE NOT EXISTS (SELECT FROM jsonb_populate_recordset(NULL::parting.made_table, p_tables) m WHERE m.suffix = r.suffix)
$$;
