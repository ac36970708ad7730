-- Takes one partition of every model of a family out of its parent, dependents before
-- parents, then applies p_action: 'detach' leaves the tables where they are, 'archive'
-- attaches them to the archive tables (parting._archive), 'drop' drops them, dependents
-- first. Returns the partitions it took out.
--
-- A plain DETACH takes ACCESS EXCLUSIVE on the parent (DETACH ... CONCURRENTLY cannot run
-- in a transaction), so the locks are taken first, all at once and in the writers' order,
-- parents before partitions (LOCK TABLE ONLY tweet, ONLY star, ONLY tweet_x, ONLY star_x),
-- each request under lock_timeout (parting._lock): detaching star_x and then tweet_x lock
-- by lock would deadlock with writers that insert a tweet and its star in one transaction
-- (DESIGN F5). Writers wait for this transaction only, which does no more than catalog
-- updates: keep the caller's transaction short.
CREATE OR REPLACE FUNCTION parting._detach_family(p_root parting.config, p_suffix text, p_action text)
RETURNS SETOF regclass
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_started timestamptz := clock_timestamp();
  v_m record;
  v_cfgs parting.config[] := ARRAY[]::parting.config[];
  v_parts text[] := ARRAY[]::text[];
  v_rels regclass[] := ARRAY[]::regclass[];
  v_parents regclass[] := ARRAY[]::regclass[];
  v_bounds text[];
  v_tries integer;
  v_col name;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('parting.family'), hashtext(p_root.root_model));
  FOR v_m IN SELECT * FROM parting._members(p_root, p_suffix) LOOP
    IF v_m.attached THEN
      v_cfgs := v_cfgs || v_m.cfg;
      v_parts := v_parts || v_m.part;
      v_rels := v_rels || v_m.rel;
      v_parents := v_parents || v_m.parent;
    END IF;
  END LOOP;
  IF cardinality(v_cfgs) = 0 THEN
    RETURN;
  END IF;
  -- The bounds as the catalog has them (not recomputed from today's config).
  SELECT ARRAY[p.lower, p.upper] INTO v_bounds FROM parting.partitions(p_root.model) p WHERE p.partition = v_rels[1];

  v_tries := parting._lock(v_parents || v_rels, 'ACCESS EXCLUSIVE', p_root);
  FOR i IN REVERSE cardinality(v_cfgs) .. 1 LOOP
    -- A detach CONCURRENTLY that was interrupted leaves the partition pending: finish it.
    EXECUTE format('ALTER TABLE %s DETACH PARTITION %s%s', v_parents[i], v_parts[i],
                   CASE WHEN (SELECT inhdetachpending FROM pg_inherits WHERE inhrelid = v_rels[i]) THEN ' FINALIZE' ELSE '' END);
    -- Before PostgreSQL 17 the partition's id default draws from the parent's identity
    -- sequence; a detached table must not keep it (the parent could not be dropped).
    FOR v_col IN
      SELECT a.attname FROM pg_attribute a
       WHERE a.attrelid = v_parents[i] AND a.attidentity <> '' AND NOT a.attisdropped
    LOOP
      EXECUTE format('ALTER TABLE %s ALTER COLUMN %I DROP DEFAULT', v_parts[i], v_col);
    END LOOP;
    INSERT INTO parting.offline (model, suffix, schema_name, table_name, lower, upper, state)
    VALUES ((v_cfgs[i]).model, p_suffix, (v_cfgs[i]).schema_name, parting._name((v_cfgs[i]).table_name, p_suffix),
            v_bounds[1], v_bounds[2], 'detached')
    ON CONFLICT (model, suffix) DO UPDATE SET state = 'detached', since = now();
    INSERT INTO parting.history (model, partition, action, detail, duration)
    VALUES ((v_cfgs[i]).model, parting._name((v_cfgs[i]).table_name, p_suffix), 'detached',
            jsonb_build_object('lower', v_bounds[1], 'upper', v_bounds[2], 'lock_tries', v_tries, 'then', p_action),
            clock_timestamp() - v_started);
    RETURN NEXT v_rels[i];
  END LOOP;
  PERFORM parting._offline_action(p_root, p_suffix, p_action);
END;
$$;
