-- Puts a detached or archived family back under its parents: out of the archive tables
-- and back into the model's schema if archived, the id default restored
-- (parting._identity_default), rows of its key that landed in the default partitions meanwhile moved in
-- (parting._move_rows), then attached parents first. Locks as parting._create_family does:
-- SHARE UPDATE EXCLUSIVE on the parents, or EXCLUSIVE when a default partition is there.
-- The CHECK constraint each partition kept makes ATTACH skip scanning it.
CREATE OR REPLACE FUNCTION parting._attach_family(p_root parting.config, p_suffix text)
RETURNS SETOF regclass
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_started timestamptz := clock_timestamp();
  v_o record;
  v_cfgs parting.config[] := ARRAY[]::parting.config[];
  v_offline parting.offline[] := ARRAY[]::parting.offline[];
  v_parents regclass[] := ARRAY[]::regclass[];
  v_archives regclass[] := ARRAY[]::regclass[];
  v_archive_of regclass[] := ARRAY[]::regclass[];
  v_rels regclass[] := ARRAY[]::regclass[];
  v_defaults regclass[] := ARRAY[]::regclass[];
  v_part text;
  v_moved jsonb;
BEGIN
  PERFORM parting._family_lock(p_root);
  FOR v_o IN
    SELECT o, c AS cfg, m.parent, m.deflt,
           to_regclass(format('%I.%I', o.schema_name, o.table_name)) AS rel,
           (SELECT i.inhparent::regclass FROM pg_inherits i
             WHERE i.inhrelid = to_regclass(format('%I.%I', o.schema_name, o.table_name))) AS archive
      FROM parting.offline o
      JOIN parting.config c ON c.model = o.model
      JOIN parting._members(p_root, p_suffix) m ON (m.cfg).model = o.model
     WHERE c.root_model = p_root.root_model AND o.suffix = p_suffix AND o.state IN ('detached', 'archived')
     ORDER BY c.family_order, c.model
  LOOP
    IF v_o.rel IS NULL THEN
      RAISE EXCEPTION 'table %.% of model "%" no longer exists', (v_o.o).schema_name, (v_o.o).table_name, (v_o.cfg).model
        USING ERRCODE = 'undefined_table',
              HINT = 'it was dropped by hand, so the family cannot come back whole: drop its other detached tables too '
                     '(parting.detach_partition(…, ''drop'') drops them), after which ensure_partition makes the partition anew';
    END IF;
    v_cfgs := v_cfgs || v_o.cfg;
    v_offline := v_offline || v_o.o;
    v_parents := v_parents || v_o.parent;
    v_rels := v_rels || v_o.rel;
    v_archive_of := v_archive_of || v_o.archive;
    IF v_o.archive IS NOT NULL THEN
      v_archives := v_archives || v_o.archive;
    END IF;
    IF v_o.deflt IS NOT NULL THEN
      v_defaults := v_defaults || v_o.deflt;
    END IF;
  END LOOP;
  IF cardinality(v_cfgs) = 0 THEN
    RETURN;
  END IF;

  IF cardinality(v_defaults) = 0 THEN
    PERFORM parting._lock(p_root, p_share_update => v_parents, p_access_exclusive => v_archives || v_rels);
  ELSE
    PERFORM parting._lock(p_root, p_exclusive => v_parents, p_access_exclusive => v_archives || v_defaults || v_rels);
  END IF;
  FOR i IN 1 .. cardinality(v_cfgs) LOOP
    v_part := format('%I.%I', (v_cfgs[i]).schema_name, (v_offline[i]).table_name);
    IF v_archive_of[i] IS NOT NULL THEN
      EXECUTE format('ALTER TABLE %s DETACH PARTITION %s', v_archive_of[i], v_rels[i]);
      EXECUTE format('ALTER TABLE %s SET SCHEMA %I', v_rels[i], (v_cfgs[i]).schema_name);
    END IF;
    PERFORM parting._identity_default(v_part, v_parents[i], true);
  END LOOP;
  IF cardinality(v_defaults) > 0 THEN
    v_moved := parting._move_rows(p_root, p_suffix, (v_offline[1]).lower, (v_offline[1]).upper, NULL);
  END IF;
  FOR i IN 1 .. cardinality(v_cfgs) LOOP
    v_part := format('%I.%I', (v_cfgs[i]).schema_name, (v_offline[i]).table_name);
    EXECUTE format('ALTER TABLE %s ATTACH PARTITION %s %s', v_parents[i], v_part,
                   parting._clause(v_cfgs[i], (v_offline[i]).lower, (v_offline[i]).upper, false));
    DELETE FROM parting.offline WHERE model = (v_cfgs[i]).model AND suffix = p_suffix;
    PERFORM parting._log((v_cfgs[i]).model, (v_offline[i]).table_name, 'attached',
                         jsonb_build_object('was', (v_offline[i]).state, 'moved_from_default', v_moved),
                         clock_timestamp() - v_started);
    RETURN NEXT v_part::regclass;
  END LOOP;
END;
$$;
