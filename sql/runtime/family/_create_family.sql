-- Creates the partition for one canonical value (or the default partitions) in every model
-- of a family and returns the partitions it attached. Serialized per family with a
-- transaction-level advisory lock, so two callers never race to create the same tables.
--
-- Without a default partition: each table is made unattached (LIKE + CHECK +
-- indexes + partition foreign key), then attached under SHARE UPDATE EXCLUSIVE on the
-- parents: writers are never blocked.
--
-- With a default partition, rows of this partition may already sit in it, and ATTACH must
-- scan it. The rows move into the new tables first (parting._move_rows). With p_batch set
-- and more than p_batch rows waiting, one batch moves, the tables are recorded as 'filling'
-- in parting.offline and nothing is attached yet: the caller commits and calls again.
-- The last rows move after EXCLUSIVE locks on the parents (readers go on; writers wait
-- for this transaction: a writer routed to the default partition before the ATTACH would
-- otherwise fail its partition check after it) and ACCESS EXCLUSIVE on the default
-- partitions, which ATTACH scans.
CREATE OR REPLACE FUNCTION parting._create_family(p_root parting.config, p_value text, p_default boolean DEFAULT false,
                                                  p_batch integer DEFAULT NULL)
RETURNS SETOF regclass
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
-- One plan for every call: planned anew for each call's values (a custom plan, which
-- PL/pgSQL otherwise keeps choosing here), its statements cost more to plan than to run.
-- The setting holds for the routines it calls too, whose kept statements are lookups of the
-- catalog and of pgpart's tables alike; the rows a drain moves are moved by EXECUTE, which
-- plans each statement for its values whatever the setting.
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  v_started timestamptz := clock_timestamp();
  v_b record;
  v_m record;
  v_cfgs parting.config[] := ARRAY[]::parting.config[];
  v_make parting.config[] := ARRAY[]::parting.config[];
  v_citus boolean := false;
  v_models text[] := ARRAY[]::text[];
  v_names text[] := ARRAY[]::text[];
  v_parts text[] := ARRAY[]::text[];
  v_parents regclass[] := ARRAY[]::regclass[];
  v_rels regclass[] := ARRAY[]::regclass[];
  v_defaults regclass[] := ARRAY[]::regclass[];
  v_batched boolean := false;
  v_moved jsonb;
  v_tries integer;
  v_gone parting.offline;
  v_taken text;
  v_state text;
BEGIN
  PERFORM parting._family_lock(p_root);
  IF p_default THEN
    SELECT 'default' AS suffix, NULL::text AS lower, NULL::text AS upper INTO v_b;
  ELSE
    v_b := parting._bound(p_root, p_value);
  END IF;

  v_state := parting._offline_state(p_root, v_b.suffix);
  IF v_state = 'offline' THEN
    RAISE EXCEPTION 'partition % of model "%" is detached or archived', parting._name(p_root.table_name, v_b.suffix), p_root.model
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = format('bring it back: SELECT parting.attach_partition(%L, %L)', p_root.model, v_b.lower);
  END IF;
  -- Records of this family's detached tables that were dropped by hand: forgotten, logged.
  FOR v_gone IN
    DELETE FROM parting.offline o USING parting.config c
     WHERE c.model = o.model AND c.root_model = p_root.root_model AND o.suffix = v_b.suffix
       AND to_regclass(format('%I.%I', o.schema_name, o.table_name)) IS NULL
    RETURNING o.*
  LOOP
    PERFORM parting._log(v_gone.model, v_gone.table_name, 'forgotten',
                         jsonb_build_object('was', v_gone.state, 'why', format('table %I.%I was dropped by hand', v_gone.schema_name, v_gone.table_name)));
  END LOOP;
  -- A name another role took first: nothing of the family is made (families move together),
  -- with an error of its own (parting's 'PGP02'), which maintenance and the install log as
  -- this partition skipped and go on with the others.
  -- The members not attached, read once; every name checked before anything is made.
  FOR v_m IN SELECT * FROM parting._members(p_root, v_b.suffix) LOOP
    CONTINUE WHEN v_m.attached;
    v_taken := parting._name_taken(v_m.cfg, v_b.suffix, p_default);
    IF v_taken IS NOT NULL THEN
      RAISE EXCEPTION 'partition % of model "%" cannot be made: name taken by %',
                      format('%I.%I', p_root.schema_name, parting._name(p_root.table_name, v_b.suffix)), p_root.model, v_taken
        USING ERRCODE = 'PGP02',
              HINT = 'have that role (or a superuser) drop or rename it: maintenance makes the partition at its next run, and the others meanwhile';
    END IF;
    v_cfgs := v_cfgs || v_m.cfg;
    v_models := v_models || (v_m.cfg).model;
    v_names := v_names || parting._name((v_m.cfg).table_name, v_b.suffix);
    v_parts := v_parts || v_m.part;
    v_parents := v_parents || v_m.parent;
    v_rels := v_rels || v_m.rel;
    IF v_m.deflt IS NOT NULL AND NOT p_default THEN
      v_defaults := v_defaults || v_m.deflt;
    END IF;
  END LOOP;
  IF cardinality(v_cfgs) = 0 THEN
    RETURN;
  END IF;
  FOR i IN 1 .. cardinality(v_cfgs) LOOP
    IF v_rels[i] IS NULL THEN
      v_make := v_make || v_cfgs[i];
      v_citus := v_citus OR (v_cfgs[i]).distribution IS NOT NULL;
    ELSIF NOT EXISTS (SELECT FROM parting.offline o
                       WHERE o.model = (v_cfgs[i]).model AND o.suffix = v_b.suffix AND o.state = 'filling') THEN
      RAISE EXCEPTION 'table % exists but is not a partition of %', v_parts[i], v_parents[i]
        USING ERRCODE = 'duplicate_table',
              HINT = 'rename or drop it; if it is a detached partition, use parting.attach_partition';
    END IF;
  END LOOP;
  -- The tables to make, in family order: all in one script, or, where a model is distributed
  -- (Citus), which needs each table made before its foreign key, one by one.
  IF v_citus THEN
    FOR i IN 1 .. cardinality(v_make) LOOP
      PERFORM parting._make_table(v_make[i], v_b.suffix, v_b.lower, v_b.upper, p_default);
    END LOOP;
  ELSIF cardinality(v_make) > 0 THEN
    EXECUTE parting._make_tables_sql(v_make, v_b.suffix, v_b.lower, v_b.upper, p_default);
    IF current_setting('server_version_num')::integer >= 180000 THEN
      FOR i IN 1 .. cardinality(v_make) LOOP
        CALL parting._not_null_names(format('%I.%I', (v_make[i]).schema_name, parting._name((v_make[i]).table_name, v_b.suffix))::regclass);
      END LOOP;
    END IF;
  END IF;

  IF cardinality(v_defaults) = 0 THEN
    v_tries := parting._lock(p_root, p_share_update => v_parents);
  ELSE
    IF p_batch IS NOT NULL THEN
      EXECUTE format('SELECT count(*) > %s FROM (SELECT FROM %s WHERE %s LIMIT %s) s',
                     p_batch, v_defaults[1], parting._bound_check(p_root, v_b.lower, v_b.upper), p_batch + 1)
         INTO v_batched;
    END IF;
    IF v_batched THEN
      v_moved := parting._move_rows(p_root, v_b.suffix, v_b.lower, v_b.upper, p_batch);
    ELSE
      v_tries := parting._lock(p_root, p_exclusive => v_parents, p_access_exclusive => v_defaults);
      v_moved := parting._move_rows(p_root, v_b.suffix, v_b.lower, v_b.upper, NULL);
    END IF;
    IF EXISTS (SELECT FROM jsonb_each(v_moved) e WHERE (e.value)::bigint > 0) THEN
      PERFORM parting._log(p_root.model, parting._name(p_root.table_name, v_b.suffix), 'moved',
                           jsonb_strip_nulls(jsonb_build_object('rows', v_moved, 'from', 'default', 'attached', NOT v_batched,
                                                                'batch', CASE WHEN v_batched THEN p_batch END)),
                           clock_timestamp() - v_started);
    END IF;
    IF v_batched THEN
      -- Not attached yet: the caller commits and calls again for the next batch.
      INSERT INTO parting.offline (model, suffix, schema_name, table_name, lower, upper, state)
      SELECT m.model, v_b.suffix, m.schema_name, parting._name(m.table_name, v_b.suffix), v_b.lower, v_b.upper, 'filling'
        FROM unnest(v_cfgs) AS m
      ON CONFLICT (model, suffix) DO NOTHING;
      RETURN;
    END IF;
  END IF;

  FOR i IN 1 .. cardinality(v_cfgs) LOOP
    EXECUTE format('ALTER TABLE %s ATTACH PARTITION %s %s', v_parents[i], v_parts[i],
                   parting._clause(v_cfgs[i], v_b.lower, v_b.upper, p_default));
    RETURN NEXT v_parts[i]::regclass;
  END LOOP;
  -- One history row per table, in family order, written together.
  PERFORM parting._log_each(v_models, v_names, 'created',
                            jsonb_build_object('suffix', v_b.suffix, 'lower', v_b.lower, 'upper', v_b.upper, 'default', p_default,
                              'lock_tries', v_tries),
                            clock_timestamp() - v_started);
  -- The drain's records, done with. Only a drain in progress left any: the ones whose tables
  -- were dropped by hand are forgotten above.
  IF v_state = 'filling' THEN
    DELETE FROM parting.offline o
     WHERE o.suffix = v_b.suffix AND o.state = 'filling'
       AND o.model = ANY (v_models);
  END IF;
END;
$$;
