-- The key guard (parting._key_guard) on a model other models reference, when its parent
-- table lacks it: CREATE TRIGGER on the parent, which PostgreSQL clones onto each partition
-- (SHARE ROW EXCLUSIVE on the parent and its partitions: catalog only, writers wait for it
-- and it for them). A model made in this install gets it after it is made (a later phase).
-- A guard left on a model nobody references any more refuses nothing and is left.
CREATE OR REPLACE FUNCTION parting._change_key_guard(p_cfg parting.config, p_dependents boolean)
RETURNS SETOF parting.change
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_parent regclass := to_regclass(format('%I.%I', p_cfg.schema_name, p_cfg.table_name));
  v_sql text := parting._key_guard(p_cfg, p_dependents);
BEGIN
  IF v_sql IS NULL OR EXISTS (SELECT FROM pg_trigger g WHERE g.tgrelid = v_parent AND g.tgname = 'pgpart_key_guard') THEN
    RETURN;
  END IF;
  RETURN NEXT parting._change(p_cfg.model, 'add key guard', 'pgpart_key_guard',
    'an UPDATE moving a row with dependents to another partition is refused (parting.move_key moves it with them)',
    CASE WHEN v_parent IS NULL THEN NULL ELSE parting._locks(ARRAY[v_parent], 'SHARE ROW EXCLUSIVE') END,
    'SHARE ROW EXCLUSIVE on the parent and its partitions (catalog only)', ARRAY[v_sql]);
END;
$$;
