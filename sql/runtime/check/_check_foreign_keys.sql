-- 'missing foreign key' / 'foreign key': a dependent's table without its partition foreign
-- key, or with one that is not valid or points at another table than the parent model's
-- table of the same key (whatever its state: p_parent_tables).
CREATE OR REPLACE FUNCTION parting._check_foreign_keys(p_cfg parting.config, p_tables jsonb, p_parent_tables jsonb)
RETURNS SETOF parting.problem
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT p_cfg.model, t.rel::text, t.suffix,
         CASE WHEN k.oid IS NULL THEN 'missing foreign key' ELSE 'foreign key' END,
         CASE WHEN k.oid IS NULL THEN format('no %s to %s', parting._name(t.relname, p_cfg.fk_tag), want.rel)
              WHEN k.confrelid IS DISTINCT FROM want.rel THEN format('%s references %s, not %s', k.conname, k.confrelid::regclass, want.rel)
              ELSE format('%s is not valid', k.conname) END,
         CASE WHEN k.oid IS NULL THEN 'add it NOT VALID, then validate it'
              WHEN k.confrelid IS DISTINCT FROM want.rel THEN 'make it again, pointing at the parent''s partition of the same key'
              ELSE 'validate it' END,
         want.rel IS NOT NULL
    FROM jsonb_populate_recordset(NULL::parting.made_table, p_tables) t
    LEFT JOIN jsonb_populate_recordset(NULL::parting.made_table, p_parent_tables) want ON want.suffix = t.suffix
    LEFT JOIN pg_constraint k ON k.conrelid = t.rel AND k.contype = 'f' AND k.conname = parting._name(t.relname, p_cfg.fk_tag)
   WHERE p_cfg.parent_model IS NOT NULL
     AND (k.oid IS NULL OR NOT k.convalidated OR k.confrelid IS DISTINCT FROM want.rel)
$$;
