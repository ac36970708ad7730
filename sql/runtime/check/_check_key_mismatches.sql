-- 'mismatched keys': rows of a dependent's table whose key column disagrees with their parent
-- row's key, which only a partition foreign key that does not bind the key column lets in
-- (an older pgpart's, not yet made again; ON DELETE SET NULL on PostgreSQL 14; one left NOT
-- VALID). Tables whose foreign key binds the key and is valid cannot hold any and are not read.
-- Not repaired: which key is right is the application's to say; the fix is the UPDATE that
-- gives each row its parent's key.
CREATE OR REPLACE FUNCTION parting._check_key_mismatches(p_cfg parting.config, p_tables jsonb)
RETURNS SETOF parting.problem
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT p_cfg.model, t.rel::text, t.suffix, 'mismatched keys',
         format('%s row(s) carry a %s their %s row does not have (e.g. %s)', x.n, p_cfg.key_column, p_cfg.parent_model, x.sample),
         format('make them agree: %s', x.fix),
         false
    FROM jsonb_populate_recordset(NULL::parting.made_table, p_tables) t
    JOIN pg_constraint k ON k.conrelid = t.rel AND k.contype = 'f' AND k.conname = parting._name(t.relname, p_cfg.fk_tag)
   CROSS JOIN LATERAL parting._key_mismatches(p_cfg, t.rel, k.confrelid::regclass) x
   WHERE p_cfg.parent_model IS NOT NULL
     AND NOT (k.convalidated AND EXISTS (SELECT FROM unnest(k.conkey) AS u(attnum)
                                          JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum
                                         WHERE a.attname = p_cfg.key_column))
     AND x.n > 0
$$;
