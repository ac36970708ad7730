-- Rows of one of a dependent's tables (p_rel) whose key column disagrees with the key of
-- the parent row they reference in p_target (the parent model's table of the same key):
-- what a partition foreign key over the declared columns alone let in (an older pgpart's
-- attached partitions, ON DELETE SET NULL on PostgreSQL 14), and what the foreign key over
-- both columns would refuse. n: how many; sample: one of them, in words; fix: the UPDATE
-- that gives each its parent's key (it stays in its partition: the parent row is in the
-- table of the same key). Reads both tables (ACCESS SHARE); NULL sample and fix when none.
CREATE OR REPLACE FUNCTION parting._key_mismatches(p_cfg parting.config, p_rel regclass, p_target regclass,
                                                   OUT n bigint, OUT sample text, OUT fix text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_ref_key text := (SELECT c.key_column FROM parting.config c WHERE c.model = p_cfg.parent_model);
  v_join text := (SELECT string_agg(format('d.%I = p.%I', f, r), ' AND ')
                    FROM unnest(p_cfg.fk_columns, p_cfg.ref_columns) AS u(f, r));
  v_where text;
BEGIN
  IF p_cfg.key_column = ANY (p_cfg.fk_columns) THEN
    n := 0; -- the key is one of the referenced columns: the foreign key always bound it
    RETURN;
  END IF;
  v_where := format('%s AND d.%I IS DISTINCT FROM p.%I', v_join, p_cfg.key_column, v_ref_key);
  EXECUTE format('SELECT count(*) FROM %s d JOIN %s p ON %s', p_rel, p_target, v_where) INTO n;
  IF n = 0 THEN
    RETURN;
  END IF;
  EXECUTE format('SELECT format(%L, %s, d.%I, p.%I) FROM %s d JOIN %s p ON %s LIMIT 1',
                 (SELECT string_agg(format('%s = %%s', f), ', ') FROM unnest(p_cfg.fk_columns) AS f)
                   || format(': %s %%s, its %s''s %%s', p_cfg.key_column, p_cfg.parent_model),
                 (SELECT string_agg(format('d.%I', f), ', ') FROM unnest(p_cfg.fk_columns) AS f),
                 p_cfg.key_column, v_ref_key, p_rel, p_target, v_where)
    INTO sample;
  fix := format('UPDATE %s d SET %I = p.%I FROM %s p WHERE %s', p_rel, p_cfg.key_column, v_ref_key, p_target, v_where);
END;
$$;
