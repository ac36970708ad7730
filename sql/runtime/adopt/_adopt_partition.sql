-- Makes the shadow family's partition holding a value (canonical text of the root's key),
-- the way every family partition is made (parting._create_family, under the config rows
-- that point at the shadow schema while the adoption copies), then holds back the lockstep
-- foreign keys of its dependents' partitions: while writers run on the old tables, a parent
-- row's key may move under its dependents there, and the shadow family, which follows
-- every write (a dependent's rows a step behind their parent's), must take that too. They
-- are kept in parting.adoption (their definitions) and added again at the swap (NOT
-- VALID), then validated. Also records the partition's bounds, by which adopt_verify
-- groups rows. Nothing when the partition exists.
CREATE OR REPLACE FUNCTION parting._adopt_partition(p_root text, p_value text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_a parting.adoption;
  v_cfg parting.config := parting._model(p_root);
  v_b record;
  v_made regclass[];
BEGIN
  SELECT * INTO v_a FROM parting.adoption WHERE model = p_root; -- no lock: many writers may make partitions
  v_made := ARRAY(SELECT parting._create_family(v_cfg, p_value));
  IF cardinality(v_made) = 0 THEN
    RETURN;
  END IF;
  v_b := parting._bound(v_cfg, p_value);
  INSERT INTO parting.adoption_partition (model, suffix, lower, upper) VALUES (p_root, v_b.suffix, v_b.lower, v_b.upper)
  ON CONFLICT DO NOTHING;
  INSERT INTO parting.adoption_foreign_key (model, table_name, name, definition)
  SELECT p_root, c.relname, k.conname, pg_get_constraintdef(k.oid)
    FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
   WHERE k.contype = 'f' AND k.conrelid = ANY (v_made) AND k.conparentid = 0;
  FOR v_b IN SELECT f.table_name AS tbl, f.name FROM parting.adoption_foreign_key f
              WHERE f.model = p_root AND f.table_name IN (SELECT c.relname FROM pg_class c WHERE c.oid = ANY (v_made)) LOOP
    EXECUTE format('ALTER TABLE %I.%I DROP CONSTRAINT %I', v_a.shadow_schema, v_b.tbl, v_b.name);
  END LOOP;
END;
$$;
