-- Moves a parent row to another key, and every row that depends on it down the chain (its
-- dependents, theirs, ...), in the caller's transaction: what the key guard refuses to let an
-- UPDATE do. Inside one partition it is that UPDATE (ON UPDATE CASCADE carries the
-- dependents). Across partitions the rows are copied, parents first, each with the new key and
-- its own ids (OVERRIDING SYSTEM VALUE), then the old ones deleted, dependents first, so no
-- foreign key ever fires an ON DELETE. Returns how many rows moved (the row and its
-- dependents), logged as 'moved'. The row is locked FOR UPDATE first; dependents written
-- meanwhile by other sessions wait on that lock through their foreign key check.
-- p_id: the model's declared primary key (one column), as text; p_new_key: the new key as
-- text, read in the model's time zone unless it names its own (as ensure_partition reads keys).
-- Row triggers of the tables fire as for any INSERT and DELETE. A row of a detached or
-- archived partition is refused, naming its table and attach_partition: the move would
-- leave the archive (or fail for want of a partition there), with its dependents to follow.
CREATE OR REPLACE FUNCTION parting.move_key(p_model text, p_id text, p_new_key text)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET DateStyle = 'ISO, YMD'
SET TimeZone = 'UTC'
AS $$
DECLARE
  v_cfg parting.config := parting._model(p_model);
  v_pk text[];
  v_pk_type text;
  v_key_type text;
  v_old text;
  v_new text;
  v_from regclass;
  v_to regclass;
  v_m record;
  v_sets jsonb := '{}';
  v_where text;
  v_models jsonb := '[]';
  v_tuples jsonb;
  v_cols text;
  v_vals text;
  v_n bigint;
  v_moved bigint := 0;
  v_n_found boolean;
  v_started timestamptz := clock_timestamp();
BEGIN
  PERFORM set_config('TimeZone', coalesce(v_cfg.timezone, 'UTC'), true); -- put back when this function returns
  -- The declared key: what dependents reference, else the primary key less the partition key.
  v_pk := coalesce((SELECT c.ref_columns FROM parting.config c WHERE c.parent_model = v_cfg.model ORDER BY c.model LIMIT 1),
                   ARRAY(SELECT x FROM jsonb_array_elements(v_cfg.indexes) i, jsonb_array_elements_text(i -> 'columns') x
                          WHERE i ->> 'kind' = 'primary' AND x <> v_cfg.key_column));
  IF cardinality(v_pk) IS DISTINCT FROM 1 THEN
    RAISE EXCEPTION 'model "%": move_key needs a primary key of one column besides the partition key, the model has (%)',
                    v_cfg.model, array_to_string(v_pk, ', ') USING ERRCODE = 'feature_not_supported';
  END IF;
  SELECT format_type(a.atttypid, a.atttypmod) INTO v_pk_type
    FROM pg_attribute a WHERE a.attrelid = format('%I.%I', v_cfg.schema_name, v_cfg.table_name)::regclass AND a.attname = v_pk[1];
  SELECT format_type(a.atttypid, a.atttypmod) INTO v_key_type
    FROM pg_attribute a WHERE a.attrelid = format('%I.%I', v_cfg.schema_name, v_cfg.table_name)::regclass AND a.attname = v_cfg.key_column;
  BEGIN
    EXECUTE format('SELECT %L::%s::text', p_new_key, v_key_type) INTO v_new;
  EXCEPTION WHEN data_exception THEN
    RAISE EXCEPTION 'model "%": the new key % is not a %', v_cfg.model, quote_literal(p_new_key), v_key_type
      USING ERRCODE = 'invalid_parameter_value';
  END;
  EXECUTE format('SELECT %I::text, tableoid::regclass FROM %I.%I WHERE %I = %L::%s FOR UPDATE',
                 v_cfg.key_column, v_cfg.schema_name, v_cfg.table_name, v_pk[1], p_id, v_pk_type)
    INTO v_old, v_from;
  IF v_old IS NULL THEN
    -- A row of a detached or archived partition: its partition and its dependents' are off
    -- the live tables, where move_key moves rows; said so, with the way back.
    FOR v_m IN
      SELECT o.*, to_regclass(format('%I.%I', o.schema_name, o.table_name)) AS rel
        FROM parting.offline o WHERE o.model = v_cfg.model AND o.state IN ('detached', 'archived') ORDER BY o.suffix
    LOOP
      CONTINUE WHEN v_m.rel IS NULL;
      EXECUTE format('SELECT EXISTS (SELECT FROM %s WHERE %I = %L::%s)', v_m.rel, v_pk[1], p_id, v_pk_type) INTO v_n_found;
      IF v_n_found THEN
        RAISE EXCEPTION 'model "%": the row % = % is in %, %: move_key moves rows of the attached partitions', v_cfg.model, v_pk[1],
                        quote_literal(p_id), v_m.rel, v_m.state
          USING ERRCODE = 'object_not_in_prerequisite_state',
                HINT = format('attach its partition back first (SELECT parting.attach_partition(%L, %L)), and the one it moves to if it is off too',
                              v_cfg.root_model, v_m.lower);
      END IF;
    END LOOP;
    RAISE EXCEPTION 'model "%": no row with % = %', v_cfg.model, v_pk[1], quote_literal(p_id) USING ERRCODE = 'no_data_found';
  END IF;
  v_to := parting._partition_of(v_cfg, parting._canonical(v_cfg, v_new), p_new_key);

  -- The model and those below it, parents first, each with the predicate of its rows that
  -- move: a dependent's are those with the old key whose foreign key is among its parent's
  -- moving rows (their declared keys, collected as text before anything moves).
  FOR v_m IN
    WITH RECURSIVE sub AS (
      SELECT c.model, 0 AS depth FROM parting.config c WHERE c.model = v_cfg.model
      UNION ALL
      SELECT c.model, s.depth + 1 FROM parting.config c JOIN sub s ON c.parent_model = s.model)
    SELECT c.*, s.depth,
           (SELECT d.ref_columns FROM parting.config d WHERE d.parent_model = c.model ORDER BY d.model LIMIT 1) AS own_key
      FROM sub s JOIN parting.config c ON c.model = s.model
     ORDER BY s.depth, c.model
  LOOP
    v_where := CASE WHEN v_m.depth = 0 THEN format('x.%I = %L::%s', v_pk[1], p_id, v_pk_type)
                    ELSE format('%L::jsonb @> jsonb_build_array(jsonb_build_array(%s))', v_sets -> v_m.parent_model,
                                (SELECT string_agg(format('x.%I::text', f), ', ') FROM unnest(v_m.fk_columns) AS f)) END
               || format(' AND x.%I = %L::%s', v_m.key_column, v_old, v_key_type);
    v_models := v_models || jsonb_build_object('schema', v_m.schema_name, 'table', v_m.table_name, 'key', v_m.key_column, 'where', v_where);
    IF v_m.own_key IS NOT NULL THEN
      EXECUTE format('SELECT coalesce(jsonb_agg(jsonb_build_array(%s)), ''[]'') FROM %I.%I x WHERE %s',
                     (SELECT string_agg(format('x.%I::text', r), ', ') FROM unnest(v_m.own_key) AS r),
                     v_m.schema_name, v_m.table_name, v_where)
        INTO v_tuples;
      v_sets := v_sets || jsonb_build_object(v_m.model, v_tuples);
    END IF;
  END LOOP;

  IF v_from = v_to THEN
    -- Inside the partition: the UPDATE itself; ON UPDATE CASCADE carries the dependents.
    FOR i IN 1 .. jsonb_array_length(v_models) LOOP
      EXECUTE format('SELECT count(*) FROM %I.%I x WHERE %s', v_models -> (i - 1) ->> 'schema', v_models -> (i - 1) ->> 'table',
                     v_models -> (i - 1) ->> 'where') INTO v_n;
      v_moved := v_moved + v_n;
    END LOOP;
    EXECUTE format('UPDATE %I.%I x SET %I = %L::%s WHERE %s', v_cfg.schema_name, v_cfg.table_name, v_cfg.key_column,
                   v_new, v_key_type, v_models -> 0 ->> 'where');
  ELSE
    -- Copies first, parents before dependents (each references its parent's copy) ...
    FOR i IN 1 .. jsonb_array_length(v_models) LOOP
      SELECT string_agg(format('%I', a.attname), ', ' ORDER BY a.attnum),
             string_agg(CASE WHEN a.attname = v_models -> (i - 1) ->> 'key' THEN format('%L::%s', v_new, v_key_type)
                             ELSE format('x.%I', a.attname) END, ', ' ORDER BY a.attnum)
        INTO v_cols, v_vals
        FROM pg_attribute a
       WHERE a.attrelid = format('%I.%I', v_models -> (i - 1) ->> 'schema', v_models -> (i - 1) ->> 'table')::regclass
         AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '';
      EXECUTE format('INSERT INTO %I.%I (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM %I.%I x WHERE %s',
                     v_models -> (i - 1) ->> 'schema', v_models -> (i - 1) ->> 'table', v_cols, v_vals,
                     v_models -> (i - 1) ->> 'schema', v_models -> (i - 1) ->> 'table', v_models -> (i - 1) ->> 'where');
      GET DIAGNOSTICS v_n = ROW_COUNT;
      v_moved := v_moved + v_n;
    END LOOP;
    -- ... then the old rows, dependents before parents: no ON DELETE fires.
    FOR i IN REVERSE jsonb_array_length(v_models) .. 1 LOOP
      EXECUTE format('DELETE FROM %I.%I x WHERE %s', v_models -> (i - 1) ->> 'schema', v_models -> (i - 1) ->> 'table',
                     v_models -> (i - 1) ->> 'where');
    END LOOP;
  END IF;
  PERFORM parting._log(v_cfg.model, v_to::text, 'moved',
                       jsonb_build_object('step', 'move key', 'id', p_id, 'from', v_old, 'to', v_new, 'from_partition', v_from::text,
                                          'rows', v_moved),
                       clock_timestamp() - v_started);
  RETURN v_moved;
END;
$$;

COMMENT ON FUNCTION parting.move_key(text, text, text) IS
$c$Moves a parent row (by its primary key) to a new partition key with every row that depends on it, down the chain, in one transaction; returns how many rows moved.$c$;
