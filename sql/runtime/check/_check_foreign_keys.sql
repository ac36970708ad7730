-- 'missing foreign key' / 'foreign key': a dependent's table without its partition foreign
-- key, or with one that is not valid, points at another table than the parent model's
-- table of the same key (whatever its state: p_parent_tables), or has not the shape
-- parting._fk_clause gives it (an older pgpart's, over the declared column alone), compared
-- as parting._fk_matches does, with the clause cut once (parting._fk_affix).
CREATE OR REPLACE FUNCTION parting._check_foreign_keys(p_cfg parting.config, p_tables jsonb, p_parent_tables jsonb)
RETURNS SETOF parting.problem
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  WITH f AS MATERIALIZED (SELECT parting._fk_affix(p_cfg) AS a)
  SELECT p_cfg.model, t.rel::text, t.suffix,
         CASE WHEN k.oid IS NULL THEN 'missing foreign key' ELSE 'foreign key' END,
         CASE WHEN k.oid IS NULL THEN format('no %s to %s', parting._name(t.relname, p_cfg.fk_tag), want.rel)
              WHEN k.confrelid IS DISTINCT FROM want.rel THEN format('%s references %s, not %s', k.conname, k.confrelid::regclass, want.rel)
              WHEN NOT m.matches THEN format('%s is %s; pgpart makes it %s', k.conname, pg_get_constraintdef(k.oid),
                                             parting._fk_clause(p_cfg, k.confrelid::regclass::text))
              ELSE format('%s is not valid', k.conname) END,
         CASE WHEN k.oid IS NULL THEN 'add it NOT VALID, then validate it'
              WHEN k.confrelid IS DISTINCT FROM want.rel THEN 'make it again, pointing at the parent''s partition of the same key'
              WHEN NOT m.matches THEN 'make it again NOT VALID, then validate it (an install does, and so does repair)'
              ELSE 'validate it' END,
         want.rel IS NOT NULL
    FROM jsonb_populate_recordset(NULL::parting.made_table, p_tables) t
    LEFT JOIN jsonb_populate_recordset(NULL::parting.made_table, p_parent_tables) want ON want.suffix = t.suffix
    LEFT JOIN pg_constraint k ON k.conrelid = t.rel AND k.contype = 'f' AND k.conname = parting._name(t.relname, p_cfg.fk_tag)
    CROSS JOIN f
    LEFT JOIN LATERAL (SELECT regexp_replace(pg_get_constraintdef(k.oid), ' NOT VALID$', '')
                              = f.a[1] || k.confrelid::regclass::text || f.a[2] AS matches) m ON k.oid IS NOT NULL
   WHERE p_cfg.parent_model IS NOT NULL
     AND (k.oid IS NULL OR NOT k.convalidated OR k.confrelid IS DISTINCT FROM want.rel OR NOT m.matches)
$$;
