-- Applies an adoption's change logs to its shadow family (see parting._adopt_capture), parents
-- first: takes up to p_batch logged keys of a member (every batch until its log is empty
-- when p_batch is NULL), deletes every shadow version of those rows, and inserts each row as
-- the old table holds it now, a dependent's key read from its parents there. No row lock:
-- a write committed after this statement's snapshot has logged its key again, for the next
-- call, and a batch copied from an older snapshot is put right the same way, since every
-- change after the copy's snapshot is in the log.
--
-- A dependent's key is its parent's, read when the dependent's row was copied or replayed:
-- so each replayed parent row logs its children's keys too (of members the copy has begun),
-- and they are read again, after it, under the parent's key as it is now (their children
-- in turn, as the loop reaches them). Keys logged for a member the copy has not begun are
-- dropped: the copy will read those rows as they are then. A key no shadow partition holds
-- gets its partition. Returns the keys taken from the logs.
--
-- An adoption an older runtime started (its triggers wrote the shadow directly, and its
-- copy locked the rows read) has no logs: its capture is replaced first, under the old
-- tables' lock, so every write from then on is logged, and the shadow tables of members
-- the copy has not begun are emptied (the copy fills them, and their logs are dropped).
CREATE OR REPLACE FUNCTION parting._adopt_replay(p_root text, p_batch integer)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_a parting.adoption;
  v_cfg parting.config := parting._model(p_root);
  v_m jsonb;
  v_ch jsonb;
  v_c record;
  v_cc record;
  v_table text;
  v_rel regclass;
  v_shadow text;
  v_log text;
  v_children jsonb;
  v_row text;
  v_take text;
  v_put text;
  v_n bigint;
  v_total bigint := 0;
  v_keys jsonb;
  v_gone jsonb;
  v_made jsonb;
  v_moved jsonb;
  v_detail text;
  v_key text;
  v_begun boolean;
BEGIN
  SELECT * INTO v_a FROM parting.adoption WHERE model = p_root;
  IF EXISTS (SELECT FROM jsonb_array_elements(v_a.members) m
              WHERE to_regclass(format('%I.%I', v_a.schema_name, m #>> '{config,table_name}')) IS NOT NULL
                AND to_regclass(format('%I.%I', v_a.shadow_schema, parting._name('pgpart_log', m #>> '{config,table_name}'))) IS NULL) THEN
    PERFORM parting._adopt_capture(p_root);
    FOR v_m IN SELECT m FROM jsonb_array_elements(v_a.members) m LOOP
      IF NOT parting._adopt_begun(v_a, v_m #>> '{config,model}') THEN
        EXECUTE format('TRUNCATE %I.%I', v_a.shadow_schema, v_m #>> '{config,table_name}');
      END IF;
    END LOOP;
  END IF;
  FOR v_m IN SELECT m FROM jsonb_array_elements(v_a.members) WITH ORDINALITY x(m, n) ORDER BY n LOOP
    v_table := v_m #>> '{config,table_name}';
    v_rel := to_regclass(format('%I.%I', v_a.schema_name, v_table));
    CONTINUE WHEN v_rel IS NULL;
    v_shadow := format('%I.%I', v_a.shadow_schema, v_table);
    v_log := format('%I.%I', v_a.shadow_schema, parting._name('pgpart_log', v_table));
    v_c := parting._adopt_chain(v_a.members, v_m #>> '{config,model}', v_a.schema_name);
    v_begun := parting._adopt_begun(v_a, v_m #>> '{config,model}');
    v_children := (SELECT coalesce(jsonb_agg(m), '[]') FROM jsonb_array_elements(v_a.members) m
                    WHERE m #>> '{config,parent_model}' = v_m #>> '{config,model}'
                      AND to_regclass(format('%I.%I', v_a.schema_name, m #>> '{config,table_name}')) IS NOT NULL
                      AND parting._adopt_begun(v_a, m #>> '{config,model}'));
    -- A version of a row, as the children see it: the columns they reference.
    v_row := CASE WHEN jsonb_array_length(v_children) > 0 THEN 'to_jsonb(x)' ELSE 'NULL::jsonb' END;
    v_take := format(
      'WITH d AS (DELETE FROM %1$s l WHERE l.ctid = ANY (ARRAY(SELECT l2.ctid FROM %1$s l2 LIMIT $1)) RETURNING %2$s), '
      'k AS (SELECT DISTINCT * FROM d), '
      'g AS (DELETE FROM %3$s x USING k WHERE %4$s RETURNING %5$s AS r) '
      'SELECT (SELECT count(*) FROM d), (SELECT coalesce(jsonb_agg(to_jsonb(k)), ''[]'') FROM k), (SELECT coalesce(jsonb_agg(g.r), ''[]'') FROM g)',
      v_log,
      (SELECT string_agg(format('l.%I', p), ', ' ORDER BY n) FROM unnest(v_c.pk) WITH ORDINALITY y(p, n)),
      v_shadow,
      (SELECT string_agg(format('x.%I = k.%I', p, p), ' AND ') FROM unnest(v_c.pk) p),
      v_row);
    v_put := format(
      'WITH k AS (SELECT * FROM jsonb_to_recordset($1) AS k(%1$s)), '
      'x AS (INSERT INTO %2$s AS x (%3$s) OVERRIDING SYSTEM VALUE SELECT %4$s FROM %5$s s%6$s WHERE (%7$s) IN (SELECT %8$s FROM k) RETURNING %9$s AS r) '
      'SELECT coalesce(jsonb_agg(x.r), ''[]'') FROM x',
      (SELECT string_agg(format('%I %s', p, format_type(a.atttypid, a.atttypmod)), ', ' ORDER BY n)
         FROM unnest(v_c.pk) WITH ORDINALITY y(p, n) JOIN pg_attribute a ON a.attrelid = v_rel AND a.attname = y.p),
      v_shadow,
      (SELECT string_agg(format('%I', c), ', ' ORDER BY n) FROM unnest(v_c.cols) WITH ORDINALITY y(c, n)),
      (SELECT string_agg(e, ', ' ORDER BY n) FROM unnest(v_c.exprs) WITH ORDINALITY y(e, n)),
      v_rel, v_c.joins,
      (SELECT string_agg(format('s.%I', p), ', ' ORDER BY n) FROM unnest(v_c.pk) WITH ORDINALITY y(p, n)),
      (SELECT string_agg(format('k.%I', p), ', ' ORDER BY n) FROM unnest(v_c.pk) WITH ORDINALITY y(p, n)),
      v_row);
    LOOP
      EXECUTE v_take INTO v_n, v_keys, v_gone USING coalesce(p_batch, 10000);
      EXIT WHEN v_n = 0;
      v_total := v_total + v_n;
      IF v_begun THEN
        FOR i IN 1 .. 1000 LOOP
          BEGIN
            EXECUTE v_put INTO v_made USING v_keys;
            EXIT;
          EXCEPTION WHEN check_violation THEN
            GET STACKED DIAGNOSTICS v_detail = PG_EXCEPTION_DETAIL;
            v_key := substring(v_detail from '^Partition key of the failing row contains \(.*\) = \((.*)\)\.$');
            IF v_key IS NULL OR i = 1000 THEN
              RAISE;
            END IF;
            PERFORM parting._adopt_partition(p_root, parting._canonical(v_cfg, v_key));
          END;
        END LOOP;
        IF jsonb_array_length(v_children) > 0 THEN
          -- Children of the versions the shadow had and of the rows as they are now.
          v_moved := v_gone || v_made;
          IF jsonb_array_length(v_moved) > 0 THEN
            FOR v_ch IN SELECT c FROM jsonb_array_elements(v_children) c LOOP
              v_cc := parting._adopt_chain(v_a.members, v_ch #>> '{config,model}', v_a.schema_name);
              EXECUTE format('INSERT INTO %I.%I SELECT %s FROM %I.%I c WHERE (%s) IN (SELECT %s FROM jsonb_array_elements($1) r)',
                             v_a.shadow_schema, parting._name('pgpart_log', v_ch #>> '{config,table_name}'),
                             (SELECT string_agg(format('c.%I', p), ', ' ORDER BY n) FROM unnest(v_cc.pk) WITH ORDINALITY y(p, n)),
                             v_a.schema_name, v_ch #>> '{config,table_name}',
                             (SELECT string_agg(format('c.%I', f), ', ' ORDER BY n)
                                FROM jsonb_array_elements_text(v_ch #> '{config,fk_columns}') WITH ORDINALITY y(f, n)),
                             (SELECT string_agg(format('(r ->> %L)::%s', r, format_type(a.atttypid, a.atttypmod)), ', ' ORDER BY n)
                                FROM jsonb_array_elements_text(v_ch #> '{config,ref_columns}') WITH ORDINALITY y(r, n)
                                JOIN pg_attribute a ON a.attrelid = v_rel AND a.attname = y.r))
                USING v_moved;
            END LOOP;
          END IF;
        END IF;
      END IF;
      EXIT WHEN p_batch IS NOT NULL OR v_n < 10000;
    END LOOP;
  END LOOP;
  RETURN v_total;
END;
$$;
