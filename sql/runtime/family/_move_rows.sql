-- Moves one partition's rows out of a family's default partitions into the family's new,
-- not yet attached partition tables, in one statement, and returns how many rows moved per
-- model. p_limit bounds the root's rows (NULL: all of them); a dependent's rows move with
-- the parent rows they reference, so every batch is closed under the foreign keys.
--
-- Order matters: parent rows are copied, then dependent rows are moved (they
-- reference the copies), then the parent rows are deleted from the default: deleting them
-- first would break the dependents' default-to-default foreign key. Foreign-key checks run
-- at the end of the statement, when all of it is done. The root's rows are locked FOR
-- UPDATE first and then found by ctid (a row updated before the lock is found in its new
-- version), so none is copied and kept. Rows keep their ids (OVERRIDING SYSTEM VALUE: from
-- PostgreSQL 17 an attached partition has its parent's identity, and a table being filled
-- may already be attached).
CREATE OR REPLACE FUNCTION parting._move_rows(p_root parting.config, p_suffix text, p_lower text, p_upper text,
                                              p_limit integer)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_m record;
  v_ctes text[] := ARRAY[]::text[];
  v_counts text[] := ARRAY[]::text[];
  v_index jsonb := '{}'::jsonb;
  v_cols text;
  v_root_default regclass;
  v_picked tid[];
  v_moved jsonb;
  v_up_default jsonb := '{}'::jsonb;
BEGIN
  FOR v_m IN SELECT row_number() OVER () AS i, x.* FROM parting._members(p_root, p_suffix) x LOOP
    IF v_m.deflt IS NULL THEN
      CONTINUE;
    END IF;
    v_index := v_index || jsonb_build_object((v_m.cfg).model, v_m.i);
    SELECT string_agg(format('%I', a.attname), ', ' ORDER BY a.attnum) INTO v_cols
      FROM pg_attribute a
     WHERE a.attrelid = v_m.parent AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '';
    IF (v_m.cfg).parent_model IS NULL THEN
      v_root_default := v_m.deflt;
      -- Lock the root's rows first, in a statement of their own: the move below then runs
      -- with a snapshot taken after those locks were granted, so it sees every dependent
      -- row committed meanwhile (else the parent rows' delete would fail their FK).
      EXECUTE format('SELECT coalesce(array_agg(ctid), ''{}'') FROM (SELECT ctid FROM %s WHERE %s ORDER BY %I%s FOR UPDATE) s',
                     v_m.deflt, parting._bound_check(v_m.cfg, p_lower, p_upper), (v_m.cfg).key_column,
                     CASE WHEN p_limit IS NULL THEN '' ELSE ' LIMIT ' || p_limit END)
         INTO v_picked;
      v_ctes := v_ctes
        || 'picked AS (SELECT unnest($1::tid[]) AS row_id)'::text
        || format('m%s AS (INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM %s WHERE ctid IN (SELECT row_id FROM picked) RETURNING *)',
                  v_m.i, v_m.part, v_cols, v_cols, v_m.deflt);
    ELSE
      IF p_limit IS NULL THEN
        -- The last move of this key: a row no parent row will come with goes to the stray
        -- table (and is logged) rather than stop the partition from being attached.
        PERFORM parting._quarantine(v_m.cfg, v_m.deflt, v_up_default ->> (v_m.cfg).parent_model, p_lower, p_upper, v_cols);
      END IF;
      -- Rows that reference a parent row moving now, and rows of this key that reference none
      -- (a NULL left by ON DELETE SET NULL), which any partition of the key may hold.
      v_ctes := v_ctes
        || format('m%s AS (DELETE FROM %s WHERE (%s) IN (SELECT %s FROM m%s) OR (%s AND (%s)) RETURNING *)',
                  v_m.i, v_m.deflt,
                  (SELECT string_agg(format('%I', c), ', ') FROM unnest((v_m.cfg).fk_columns) AS c),
                  (SELECT string_agg(format('%I', c), ', ') FROM unnest((v_m.cfg).ref_columns) AS c),
                  v_index ->> (v_m.cfg).parent_model,
                  parting._bound_check(v_m.cfg, p_lower, p_upper),
                  (SELECT string_agg(format('%I IS NULL', c), ' OR ') FROM unnest((v_m.cfg).fk_columns) AS c))
        || format('i%s AS (INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM m%s)', v_m.i, v_m.part, v_cols, v_cols, v_m.i);
    END IF;
    v_up_default := v_up_default || jsonb_build_object((v_m.cfg).model, v_m.deflt::text);
    v_counts := v_counts || format('%L, (SELECT count(*) FROM m%s)', (v_m.cfg).model, v_m.i);
  END LOOP;
  IF v_root_default IS NULL THEN
    RETURN '{}'::jsonb;
  END IF;
  v_ctes := v_ctes || format('gone AS (DELETE FROM %s WHERE ctid IN (SELECT row_id FROM picked))', v_root_default);
  EXECUTE format('WITH %s SELECT jsonb_build_object(%s)', array_to_string(v_ctes, ', '), array_to_string(v_counts, ', '))
     INTO v_moved USING v_picked;
  RETURN v_moved;
END;
$$;
