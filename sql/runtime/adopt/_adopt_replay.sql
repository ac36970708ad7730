-- Applies an adoption's change logs to its shadow family (see parting._adopt_capture), parents
-- first: takes up to p_batch logged keys of a member (batch after batch until fewer than
-- 10,000 are left when p_batch is NULL), deletes every shadow version of those rows, and
-- inserts each row as the old table holds it now, a dependent's key read from its parents
-- there. No row lock: a write committed after this statement's snapshot has logged its key
-- again, for the next call, and a batch copied from an older snapshot is put right the same
-- way, since every change after the copy's snapshot is in the log.
--
-- Only rows the copy has passed are replayed (a primary key up to the last one copied, or
-- any once the member is done); the keys of the others are dropped from the log, since the
-- copy will read those rows as they are when it gets there. So the copy never meets a row
-- the replay wrote.
--
-- A dependent's key is its parent's, read when the dependent's row was copied or replayed:
-- so a replayed parent row whose key moved (its logged write says so, or the shadow held
-- it under another key) logs those of its children in the shadow whose key is not its key
-- as it is now, as moved (their children in turn, as the loop reaches them), and they are
-- read again after it. A key no shadow partition holds gets its partition. Returns the
-- keys taken from the logs.
--
-- JIT is off: a dependent's lookup by its parents, estimated over every partition, passes
-- the cost at which PostgreSQL compiles it, and compiling took longer (35 ms) than the few
-- rows a replay reads, in every call.
--
-- An adoption an older runtime started (its triggers wrote the shadow directly, and its
-- copy locked the rows read) has no logs: its capture is replaced first, under the old
-- tables' lock, so every write from then on is logged, and the rows its triggers wrote
-- beyond what the copy has passed are deleted (the copy writes them).
CREATE OR REPLACE FUNCTION parting._adopt_replay(p_root text, p_batch integer)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
DECLARE
  v_a parting.adoption;
  v_m jsonb;
  v_ch jsonb;
  v_c record;
  v_cc record;
  v_table text;
  v_rel regclass;
  v_shadow text;
  v_log text;
  v_children jsonb;
  v_passed text;
  v_upgrade boolean;
  v_any boolean;
  v_take text;
  v_put text;
  v_n bigint;
  v_total bigint := 0;
  v_keys jsonb;
  v_made jsonb;
  v_detail text;
  v_whole boolean;
  v_more bigint;
  v_rest jsonb;
BEGIN
  SELECT * INTO v_a FROM parting.adoption WHERE model = p_root;
  v_upgrade := EXISTS (SELECT FROM jsonb_array_elements(v_a.members) m
                        WHERE to_regclass(format('%I.%I', v_a.schema_name, m #>> '{config,table_name}')) IS NOT NULL
                          AND to_regclass(format('%I.%I', v_a.shadow_schema, parting._name('pgpart_log', m #>> '{config,table_name}'))) IS NULL);
  IF v_upgrade THEN
    PERFORM parting._adopt_capture(p_root);
  END IF;
  FOR v_m IN SELECT m FROM jsonb_array_elements(v_a.members) WITH ORDINALITY x(m, n) ORDER BY n LOOP
    v_table := v_m #>> '{config,table_name}';
    v_rel := to_regclass(format('%I.%I', v_a.schema_name, v_table));
    CONTINUE WHEN v_rel IS NULL;
    v_shadow := format('%I.%I', v_a.shadow_schema, v_table);
    v_log := format('%I.%I', v_a.shadow_schema, parting._name('pgpart_log', v_table));
    v_c := parting._adopt_chain(v_a.members, v_m #>> '{config,model}', v_a.schema_name);
    -- Over a row's primary key (alias x): whether the copy has passed it ($2: the member is
    -- done; $3: the last key copied, NULL before the first batch).
    v_passed := format('($2 OR (%s) <= (%s))',
      (SELECT string_agg(format('x.%I', p), ', ' ORDER BY n) FROM unnest(v_c.pk) WITH ORDINALITY y(p, n)),
      (SELECT string_agg(format('($3 ->> %s)::%s', n - 1, format_type(a.atttypid, a.atttypmod)), ', ' ORDER BY n)
         FROM unnest(v_c.pk) WITH ORDINALITY y(p, n) JOIN pg_attribute a ON a.attrelid = v_rel AND a.attname = y.p));
    IF v_upgrade THEN
      EXECUTE format('DELETE FROM %s x WHERE NOT coalesce(%s, false)', v_shadow, v_passed)
        USING NULL::integer, (v_a.progress #>> ARRAY[v_m #>> '{config,model}', 'done'])::boolean,
              nullif(v_a.progress #> ARRAY[v_m #>> '{config,model}', 'last'], 'null'::jsonb);
    END IF;
    EXECUTE format('SELECT EXISTS (SELECT FROM %s)', v_log) INTO v_any;
    CONTINUE WHEN NOT v_any;
    v_children := (SELECT coalesce(jsonb_agg(m), '[]') FROM jsonb_array_elements(v_a.members) m
                    WHERE m #>> '{config,parent_model}' = v_m #>> '{config,model}'
                      AND to_regclass(format('%I.%I', v_a.schema_name, m #>> '{config,table_name}')) IS NOT NULL);
    v_take := format(
      'WITH d AS (DELETE FROM %1$s l WHERE l.ctid = ANY (ARRAY(SELECT l2.ctid FROM %1$s l2 LIMIT $1)) RETURNING %2$s, l.pgpart_moved), '
      'k AS (SELECT %6$s, bool_or(x.pgpart_moved) AS pgpart_moved FROM d x WHERE coalesce(%5$s, false) GROUP BY %6$s), '
      'g AS (DELETE FROM %3$s x USING k WHERE %4$s RETURNING %6$s, x.%7$I AS pgpart_was) '
      'SELECT (SELECT count(*) FROM d), '
      '(SELECT coalesce(jsonb_agg(to_jsonb(k) || jsonb_build_object(''pgpart_was'', g.pgpart_was)), ''[]'') FROM k LEFT JOIN g ON %8$s)',
      v_log,
      (SELECT string_agg(format('l.%I', p), ', ' ORDER BY n) FROM unnest(v_c.pk) WITH ORDINALITY y(p, n)),
      v_shadow,
      (SELECT string_agg(format('x.%I = k.%I', p, p), ' AND ') FROM unnest(v_c.pk) p),
      v_passed,
      (SELECT string_agg(format('x.%I', p), ', ' ORDER BY n) FROM unnest(v_c.pk) WITH ORDINALITY y(p, n)),
      v_m #>> '{config,key_column}',
      (SELECT string_agg(format('g.%I = k.%I', p, p), ' AND ') FROM unnest(v_c.pk) p));
    -- The rows as they are now; those whose key moved, as their children see them (the
    -- columns they reference, the key). A key moved when a logged write says so, or when the
    -- shadow held the row under another key: a row deleted and written back under another
    -- key (neither write a move, its children never written), or a middle row replayed for
    -- a write of its own after its parent moved, so that the parent's replay finds it
    -- already under the new key, while its children still carry the old one.
    v_put := format(
      'WITH k AS (SELECT * FROM jsonb_to_recordset($1) AS k(%1$s, pgpart_moved boolean, pgpart_was %10$s)), '
      'x AS (INSERT INTO %2$s AS x (%3$s) OVERRIDING SYSTEM VALUE SELECT %4$s FROM %5$s s%6$s WHERE (%7$s) IN (SELECT %8$s FROM k) RETURNING x.*) '
      'SELECT coalesce(jsonb_agg(to_jsonb(x)), ''[]'') FROM x JOIN k ON %9$s '
      'WHERE k.pgpart_moved OR (k.pgpart_was IS NOT NULL AND x.%11$I IS DISTINCT FROM k.pgpart_was)',
      (SELECT string_agg(format('%I %s', p, format_type(a.atttypid, a.atttypmod)), ', ' ORDER BY n)
         FROM unnest(v_c.pk) WITH ORDINALITY y(p, n) JOIN pg_attribute a ON a.attrelid = v_rel AND a.attname = y.p),
      v_shadow,
      (SELECT string_agg(format('%I', c), ', ' ORDER BY n) FROM unnest(v_c.cols) WITH ORDINALITY y(c, n)),
      (SELECT string_agg(e, ', ' ORDER BY n) FROM unnest(v_c.exprs) WITH ORDINALITY y(e, n)),
      v_rel, v_c.joins,
      (SELECT string_agg(format('s.%I', p), ', ' ORDER BY n) FROM unnest(v_c.pk) WITH ORDINALITY y(p, n)),
      (SELECT string_agg(format('k.%I', p), ', ' ORDER BY n) FROM unnest(v_c.pk) WITH ORDINALITY y(p, n)),
      (SELECT string_agg(format('x.%I = k.%I', p, p), ' AND ') FROM unnest(v_c.pk) p),
      (SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
        WHERE a.attrelid = v_shadow::regclass AND a.attname = v_m #>> '{config,key_column}'),
      v_m #>> '{config,key_column}');
    LOOP
      EXECUTE v_take INTO v_n, v_keys
        USING coalesce(p_batch, 10000), (v_a.progress #>> ARRAY[v_m #>> '{config,model}', 'done'])::boolean,
              nullif(v_a.progress #> ARRAY[v_m #>> '{config,model}', 'last'], 'null'::jsonb);
      EXIT WHEN v_n = 0;
      v_total := v_total + v_n;
      IF jsonb_array_length(v_keys) > 0 THEN
        v_whole := false;
        FOR i IN 1 .. 1000 LOOP
          BEGIN
            EXECUTE v_put INTO v_made USING v_keys;
            EXIT;
          EXCEPTION WHEN unique_violation THEN
            -- A row put back with a unique value another row of the shadow still holds:
            -- that row's write (which gave the value up, in the same transaction) is logged
            -- beyond this batch. Every logged row of the member taken with these, so both
            -- are read as they are now; the same entries would come first in every call,
            -- and the adoption would never get past them.
            IF v_whole THEN
              RAISE;
            END IF;
            v_whole := true;
            EXECUTE v_take INTO v_more, v_rest
              USING NULL::integer, (v_a.progress #>> ARRAY[v_m #>> '{config,model}', 'done'])::boolean,
                    nullif(v_a.progress #> ARRAY[v_m #>> '{config,model}', 'last'], 'null'::jsonb);
            v_total := v_total + v_more;
            v_keys := v_keys || v_rest;
          WHEN check_violation THEN
            GET STACKED DIAGNOSTICS v_detail = PG_EXCEPTION_DETAIL;
            IF i = 1000 OR NOT parting._adopt_missing_partition(p_root, v_detail) THEN
              RAISE;
            END IF;
          END;
        END LOOP;
        -- Children in the shadow whose key is not their moved parent's as it is now, one
        -- parent at a time by the index every dependent has on its foreign key columns
        -- (OFFSET 0 keeps the planner from joining the whole table instead: the cost must
        -- follow the writes, not the table's size).
        FOR v_ch IN SELECT c FROM jsonb_array_elements(v_children) c WHERE jsonb_array_length(v_made) > 0 LOOP
          v_cc := parting._adopt_chain(v_a.members, v_ch #>> '{config,model}', v_a.schema_name);
          EXECUTE format('INSERT INTO %1$I.%2$I SELECT c.*, true FROM jsonb_array_elements($1) r CROSS JOIN LATERAL '
                         '(SELECT %3$s FROM %1$I.%4$I c WHERE (%5$s) = (%6$s) AND c.%7$I IS DISTINCT FROM (r ->> %8$L)::%9$s OFFSET 0) c',
                         v_a.shadow_schema, parting._name('pgpart_log', v_ch #>> '{config,table_name}'),
                         (SELECT string_agg(format('c.%I', p), ', ' ORDER BY n) FROM unnest(v_cc.pk) WITH ORDINALITY y(p, n)),
                         v_ch #>> '{config,table_name}',
                         (SELECT string_agg(format('c.%I', f), ', ' ORDER BY n)
                            FROM jsonb_array_elements_text(v_ch #> '{config,fk_columns}') WITH ORDINALITY y(f, n)),
                         (SELECT string_agg(format('(r ->> %L)::%s', r, format_type(a.atttypid, a.atttypmod)), ', ' ORDER BY n)
                            FROM jsonb_array_elements_text(v_ch #> '{config,ref_columns}') WITH ORDINALITY y(r, n)
                            JOIN pg_attribute a ON a.attrelid = v_shadow::regclass AND a.attname = y.r),
                         v_ch #>> '{config,key_column}', v_m #>> '{config,key_column}',
                         (SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
                           WHERE a.attrelid = v_shadow::regclass AND a.attname = v_m #>> '{config,key_column}'))
            USING v_made;
        END LOOP;
      END IF;
      EXIT WHEN p_batch IS NOT NULL OR v_n < 10000;
    END LOOP;
  END LOOP;
  RETURN v_total;
END;
$$;
