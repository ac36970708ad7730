-- What is wrong with pgpart's partitions, one row per problem, and what parting.repair would
-- do about it (or why it will not). Read from the catalog wherever it can be, so it cannot
-- drift: parting.offline only says which detached tables are pgpart's. Empty on a healthy
-- install. Each kind of problem is a routine of sql/runtime/check/ (src/contract.ts lists
-- the kinds); this one reads each model's tables once and hands them to each. Problems:
--   missing partition     a range root's partition in the premake window is missing
--   gap                   attached partitions of a range model leave a range no partition,
--                         detached or not, covers
--   name taken            a partition pgpart would make (a range root's premake window, a list
--                         root's known keys, the default) another role's object holds the
--                         name of (its table's or an index's): never made while it is there;
--                         or an index copy's name on a table pgpart made: never built
--   missing member        a partition of one model of a family has no partner in another
--   orphan table          a table pgpart made (its own bound check, or the default
--                         partition's name), neither attached nor recorded as detached
--   misnamed partition    an attached partition not named as pgpart names its bounds
--   past retention        an attached partition all of whose rows are older than keep
--   missing foreign key   a dependent partition without its partition foreign key, or with
--   / foreign key         one that is not valid, points at another table or has not the
--                         shape pgpart gives it (over the key column, ON UPDATE CASCADE)
--   mismatched keys       a dependent's rows whose key column disagrees with their parent's
--   missing index         a partition without an index of the model (or with an invalid one)
--   missing bound check   a partition without the CHECK matching its bounds
--   forgotten table       a parting.offline record whose table is gone
--   rows in default       rows waiting in a default partition (how many, the oldest key)
--   stray rows            rows kept in parting.stray_<table> (no partition could take them)
--   tablespace            a table not where the config puts it (tablespace, a tier's,
--                         archiveTablespace, detachTablespace)
--   owner / grants        a partition with another owner than its parent, or fewer grants
--   config changed        parting.config differs from what the last install wrote
--   builds pending        an index the last `pgpart apply` left unbuilt on some partition
--   adoption in progress  a family `pgpart adopt` started and has not finished (its phase,
--                         and the command that resumes, aborts or finishes it)
CREATE OR REPLACE FUNCTION parting.check()
RETURNS TABLE (model text, partition text, key text, problem text, detail text, fix text, repairable boolean)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
SET DateStyle = 'ISO, YMD'
SET jit = off
AS $$
DECLARE
  v_cfg parting.config;
  v_parent regclass;
  v_tables jsonb;
  -- Each model's tables by model, for its dependents' checks (models come parents first).
  v_seen jsonb := '{}';
  v_default name := (SELECT t.spcname FROM pg_database d JOIN pg_tablespace t ON t.oid = d.dattablespace
                      WHERE d.datname = current_database());
BEGIN
  FOR v_cfg IN SELECT * FROM parting.config c ORDER BY c.root_model, c.family_order, c.model LOOP
    -- A family being adopted, before its swap: its config rows name the shadow family, whose
    -- lockstep foreign keys are held back until the swap on purpose and whose partitions the
    -- adoption makes as rows come; its one problem is the adoption (parting._check_adoptions),
    -- and nothing here may be repaired under it.
    CONTINUE WHEN EXISTS (SELECT FROM parting.adoption a WHERE a.model = v_cfg.root_model AND a.phase <> 'swapped');
    v_parent := to_regclass(format('%I.%I', v_cfg.schema_name, v_cfg.table_name));
    IF v_parent IS NULL THEN
      RETURN QUERY SELECT v_cfg.model, format('%I.%I', v_cfg.schema_name, v_cfg.table_name), NULL::text, 'missing table'::text,
                          'the model''s parent table is gone'::text, 'install again: install.sql makes it'::text, false;
      CONTINUE;
    END IF;
    -- The model's tables, read once (each part would read them again: at thousands of
    -- partitions that is most of the cost), with their tablespace.
    -- (rel as its oid: a name would be looked up again, in this routine's search_path, by
    -- each part's jsonb_populate_recordset.)
    v_tables := coalesce((SELECT jsonb_agg(jsonb_build_object('rel', t.rel::oid, 'relname', t.relname, 'suffix', t.suffix,
                                                              'lower', t.lower, 'upper', t.upper, 'is_default', t.is_default,
                                                              'state', t.state, 'spc', coalesce(ts.spcname, v_default)))
                            FROM parting._made_tables(v_cfg) t
                            JOIN pg_class r ON r.oid = t.rel
                            LEFT JOIN pg_tablespace ts ON ts.oid = r.reltablespace), '[]');
    v_seen := v_seen || jsonb_build_object(v_cfg.model, v_tables);

    IF v_cfg.parent_model IS NULL AND v_cfg.strategy = 'range' THEN
      RETURN QUERY SELECT * FROM parting._check_premake(v_cfg, v_parent);
      RETURN QUERY SELECT * FROM parting._check_names_taken(v_cfg);
      RETURN QUERY SELECT * FROM parting._check_gaps(v_cfg, v_tables);
      IF v_cfg.retention_keep IS NOT NULL THEN
        RETURN QUERY SELECT * FROM parting._check_retention(v_cfg, v_tables);
      END IF;
    ELSIF v_cfg.parent_model IS NULL THEN
      -- A list root: the keys it knows, and its default.
      RETURN QUERY SELECT * FROM parting._check_names_taken(v_cfg);
    END IF;
    RETURN QUERY SELECT * FROM parting._check_names(v_cfg, v_tables);
    IF v_cfg.parent_model IS NOT NULL THEN
      RETURN QUERY SELECT * FROM parting._check_members(v_cfg, v_tables, coalesce(v_seen -> v_cfg.parent_model, '[]'));
    END IF;
    RETURN QUERY SELECT * FROM parting._check_orphans(v_cfg, v_parent);
    IF v_cfg.parent_model IS NOT NULL THEN
      RETURN QUERY SELECT * FROM parting._check_foreign_keys(v_cfg, v_tables, coalesce(v_seen -> v_cfg.parent_model, '[]'));
      RETURN QUERY SELECT * FROM parting._check_key_mismatches(v_cfg, v_tables);
    END IF;
    RETURN QUERY SELECT * FROM parting._check_indexes(v_cfg, v_tables);
    RETURN QUERY SELECT * FROM parting._check_bound_checks(v_cfg, v_tables);
    RETURN QUERY SELECT * FROM parting._check_ownership(v_cfg, v_tables, v_parent);
    RETURN QUERY SELECT * FROM parting._check_tablespaces(v_cfg, v_tables);
    RETURN QUERY SELECT * FROM parting._check_waiting_rows(v_cfg, v_tables);
    RETURN QUERY SELECT * FROM parting._check_distribution(v_cfg, v_tables, v_parent);
  END LOOP;
  RETURN QUERY SELECT * FROM parting._check_records();
  RETURN QUERY SELECT * FROM parting._check_adoptions();
END;
$$;

COMMENT ON FUNCTION parting.check() IS
$c$Every problem of pgpart's partitions, one row each, read from the catalog: missing partitions, names another role took, gaps, missing family members, orphan tables, missing, invalid or old-shaped foreign keys, dependents whose key disagrees with the key of their parent row, indexes and bound checks, forgotten records, rows in default partitions, stray rows, tablespaces, owners and grants, a config changed by hand, builds pending, adoptions not finished; with the fix parting.repair() would make, or why it will not.$c$;
