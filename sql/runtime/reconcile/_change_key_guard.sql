-- The key guard (parting._key_guard) on a model other models reference, when its parent
-- table lacks it: CREATE TRIGGER on the parent, which PostgreSQL clones onto each partition
-- (SHARE ROW EXCLUSIVE on the parent and its partitions: catalog only, writers wait for it
-- and it for them). A model made in this install gets it after it is made (a later phase).
-- A guard left on a model nobody references any more refuses nothing and is left.
-- The model's archive tables get theirs too (parting._archive_key_guard) when they lack it,
-- made before archive tables had one: every table an archived partition of the model is
-- attached to (in the archive schema, or in an earlier one).
CREATE OR REPLACE FUNCTION parting._change_key_guard(p_cfg parting.config, p_dependents boolean)
RETURNS SETOF parting.change
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_parent regclass := to_regclass(format('%I.%I', p_cfg.schema_name, p_cfg.table_name));
  v_sql text := parting._key_guard(p_cfg, p_dependents);
  v_archives regclass[] := '{}';
  v_archive regclass;
BEGIN
  IF v_sql IS NULL THEN
    RETURN;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_trigger g WHERE g.tgrelid = v_parent AND g.tgname = 'pgpart_key_guard') THEN
    RETURN NEXT parting._change(p_cfg.model, 'add key guard', 'pgpart_key_guard',
      'an UPDATE moving a row with dependents to another partition is refused (parting.move_key moves it with them)',
      CASE WHEN v_parent IS NULL THEN NULL ELSE parting._locks(ARRAY[v_parent], 'SHARE ROW EXCLUSIVE') END,
      'SHARE ROW EXCLUSIVE on the parent and its partitions (catalog only)', ARRAY[v_sql]);
  END IF;
  -- Only tables holding the model's archived partitions, as parting.offline records them: a
  -- table merely named like an archive table may be a user's own (or another role's), and
  -- an archive table holding none gets its guard when the next archive uses it. Read only
  -- when there (a first install has no parting.offline yet).
  IF to_regclass('parting.offline') IS NOT NULL THEN
    EXECUTE 'SELECT coalesce(array_agg(i.inhparent::regclass), ''{}'') FROM parting.offline o
               JOIN pg_inherits i ON i.inhrelid = to_regclass(format(''%I.%I'', o.schema_name, o.table_name))
              WHERE o.model = $1 AND o.state = ''archived'''
      INTO v_archives USING p_cfg.model;
  END IF;
  FOR v_archive IN
    SELECT DISTINCT a.rel FROM unnest(v_archives) AS a(rel) JOIN pg_class r ON r.oid = a.rel
     WHERE r.relkind = 'p' AND a.rel IS DISTINCT FROM v_parent
       AND NOT EXISTS (SELECT FROM pg_trigger g WHERE g.tgrelid = a.rel AND g.tgname = 'pgpart_key_guard')
     ORDER BY 1
  LOOP
    RETURN NEXT parting._change(p_cfg.model, 'add key guard', format('pgpart_key_guard on %s', v_archive),
      'an UPDATE moving an archived row with archived dependents to another archived partition is refused',
      parting._locks(ARRAY[v_archive], 'SHARE ROW EXCLUSIVE'),
      'SHARE ROW EXCLUSIVE on the archive table and its partitions (catalog only)',
      ARRAY[parting._archive_key_guard(p_cfg, p_dependents, v_archive)]);
  END LOOP;
END;
$$;
