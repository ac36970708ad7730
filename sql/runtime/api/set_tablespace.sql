-- Moves the family's partition holding a key (every model's table of that key, whether
-- attached, detached or archived, with its indexes) to a tablespace, in one transaction:
-- ACCESS EXCLUSIVE on each of those tables, all taken first in the writers' order under
-- lock_timeout (parting._lock), then each rewritten into the tablespace. Writers and
-- readers of those tables wait for the copy (measured per GB in BENCHMARKS.md); other
-- partitions are not touched. Returns one row per table moved. Maintenance moves a family
-- the config places elsewhere (tiers, archiveTablespace, detachTablespace) back there; a
-- table moved online with pg_repack is recorded the same way (see `pgpart move`).
CREATE OR REPLACE FUNCTION parting.set_tablespace(p_model text, p_key text, p_tablespace text)
RETURNS TABLE (model text, partition regclass, tablespace name, moved_from name, bytes bigint)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_cfg parting.config := parting._root(p_model, 'set_tablespace');
  v_value text;
  v_rels regclass[];
  v_p record;
BEGIN
  IF p_tablespace IS NULL THEN
    RAISE EXCEPTION 'set_tablespace needs a tablespace' USING ERRCODE = 'null_value_not_allowed',
      HINT = 'SELECT spcname FROM pg_tablespace lists them; pg_default is the database''s own';
  END IF;
  PERFORM parting._tablespace_usable(v_cfg, p_tablespace);
  IF p_key = 'default' THEN
    -- The default partitions of the family.
    v_rels := ARRAY(SELECT m.deflt FROM parting._members(v_cfg, 'default') m WHERE m.deflt IS NOT NULL);
    IF cardinality(v_rels) = 0 THEN
      RAISE EXCEPTION 'model "%" has no default partition', p_model USING ERRCODE = 'undefined_table';
    END IF;
    PERFORM parting._family_lock(v_cfg);
    PERFORM parting._lock(v_cfg, p_access_exclusive => v_rels);
    FOR v_p IN SELECT m.cfg, m.deflt AS rel FROM parting._members(v_cfg, 'default') m WHERE m.deflt IS NOT NULL LOOP
      model := (v_p.cfg).model;
      partition := v_p.rel;
      moved_from := parting._tablespace_of(v_p.rel);
      tablespace := p_tablespace;
      bytes := parting._move_table(v_p.cfg, v_p.rel, p_tablespace, 'set_tablespace');
      RETURN NEXT;
    END LOOP;
    RETURN;
  END IF;
  v_value := parting._canonical(v_cfg, p_key);
  IF NOT EXISTS (SELECT FROM parting._placement(v_cfg, v_value, NULL) p WHERE p.rel IS NOT NULL) THEN
    RAISE EXCEPTION 'model "%" has no partition for key "%"', p_model, p_key
      USING ERRCODE = 'undefined_table',
            HINT = format('list them: SELECT * FROM parting.partitions(%L)', p_model);
  END IF;
  PERFORM parting._family_lock(v_cfg);
  v_rels := ARRAY(SELECT p.rel FROM parting._placement(v_cfg, v_value, NULL) p WHERE p.rel IS NOT NULL ORDER BY p.n);
  PERFORM parting._lock(v_cfg, p_access_exclusive => v_rels);
  FOR v_p IN SELECT * FROM parting._placement(v_cfg, v_value, NULL) p WHERE p.rel IS NOT NULL ORDER BY p.n LOOP
    model := (v_p.cfg).model;
    partition := v_p.rel;
    moved_from := v_p.tablespace;
    tablespace := p_tablespace;
    bytes := parting._move_table(v_p.cfg, v_p.rel, p_tablespace, 'set_tablespace');
    RETURN NEXT;
  END LOOP;
END;
$$;

COMMENT ON FUNCTION parting.set_tablespace(text, text, text) IS
$c$Moves the family's partition holding a key (every model's table of that key, attached, detached or archived, with its indexes) to a tablespace in one transaction, under ACCESS EXCLUSIVE on those tables (taken first, under lock_timeout). Returns the tables moved.$c$;
