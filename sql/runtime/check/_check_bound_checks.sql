-- 'missing bound check': a partition without the valid CHECK matching its bounds (it lets a
-- detached partition come back without a scan).
CREATE OR REPLACE FUNCTION parting._check_bound_checks(p_cfg parting.config, p_tables jsonb)
RETURNS SETOF parting.problem
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT p_cfg.model, t.rel::text, t.suffix, 'missing bound check',
         format('no valid %s CHECK (%s)', parting._name(t.relname, 'bound'), parting._bound_check(p_cfg, t.lower, t.upper)),
         'add it NOT VALID, then validate it', true
    FROM jsonb_populate_recordset(NULL::parting.made_table, p_tables) t
   WHERE NOT t.is_default AND t.lower IS NOT NULL
     AND NOT EXISTS (SELECT FROM pg_constraint k WHERE k.conrelid = t.rel AND k.contype = 'c'
                        AND k.conname = parting._name(t.relname, 'bound') AND k.convalidated)
$$;
