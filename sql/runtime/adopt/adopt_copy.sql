-- One batch of an adoption's copy (one transaction): first the writes logged since the last
-- call are applied (parting._adopt_replay, up to p_batch keys per member), then up to p_batch
-- rows of the first member not yet copied, parents first, in the old table's primary key
-- order from where the last batch stopped, go into the shadow family, each dependent row
-- with its key read from its parents. The copy locks no row, so no writer ever waits for it:
-- it reads one snapshot, and a row a writer changes after that snapshot has its key in the
-- change log, so the next replay reads it again and replaces what this batch wrote. The
-- replay leaves rows beyond the last key copied to the copy, so a plain INSERT meets no row
-- already there. Once every member is copied, the phase becomes 'copied'; called after
-- that, it only replays, all that is logged (`pgpart adopt` calls it once before verify).
-- Returns each member's progress. JIT is off: a batch is too small to repay compiling it.
CREATE OR REPLACE FUNCTION parting.adopt_copy(p_model text, p_batch integer DEFAULT 10000)
RETURNS TABLE (member text, copied bigint, total bigint, done boolean)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
DECLARE
  v_a parting.adoption;
  v_m jsonb;
  v_c record;
  v_p jsonb;
  v_rel regclass;
  v_types text[];
  v_sql text;
  v_n bigint;
  v_last jsonb;
  v_detail text;
  v_replayed boolean := false;
BEGIN
  SELECT * INTO v_a FROM parting.adoption a WHERE a.model = p_model FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no adoption of "%" in progress', p_model USING ERRCODE = 'invalid_parameter_value',
      HINT = format('start it: pgpart adopt %s', p_model);
  END IF;
  IF v_a.phase IN ('copying', 'copied', 'verified') THEN
    PERFORM set_config('lock_timeout', (parting._settings()).lock_timeout, true);
    -- While copying, a bounded share per call; once copied, all of it (the call before verify).
    PERFORM parting._adopt_replay(p_model, CASE WHEN v_a.phase = 'copying' THEN p_batch END);
  END IF;
  IF v_a.phase = 'copying' THEN
    SELECT m INTO v_m FROM jsonb_array_elements(v_a.members) WITH ORDINALITY x(m, n)
     WHERE NOT (v_a.progress -> (m #>> '{config,model}') ->> 'done')::boolean ORDER BY n LIMIT 1;
    IF v_m IS NULL THEN
      UPDATE parting.adoption a SET phase = 'copied', updated_at = now() WHERE a.model = p_model;
    ELSE
      v_p := v_a.progress -> (v_m #>> '{config,model}');
      v_rel := format('%I.%I', v_a.schema_name, v_m #>> '{config,table_name}')::regclass;
      v_c := parting._adopt_chain(v_a.members, v_m #>> '{config,model}', v_a.schema_name);
      v_types := ARRAY(SELECT format_type(a.atttypid, a.atttypmod) FROM unnest(v_c.pk) WITH ORDINALITY x(p, n)
                         JOIN pg_attribute a ON a.attrelid = v_rel AND a.attname = x.p ORDER BY x.n);
      v_sql := format(
        'WITH src AS (SELECT %1$s FROM %2$s s%3$s WHERE $1 IS NULL OR (%4$s) > (%5$s) ORDER BY %4$s LIMIT %6$s), '
        'ins AS (INSERT INTO %7$I.%8$I (%9$s) OVERRIDING SYSTEM VALUE SELECT %9$s FROM src) '
        'SELECT (SELECT count(*) FROM src), (SELECT jsonb_build_array(%10$s) FROM src ORDER BY %11$s LIMIT 1)',
        (SELECT string_agg(format('%s AS %I', e, c), ', ' ORDER BY n) FROM unnest(v_c.exprs, v_c.cols) WITH ORDINALITY x(e, c, n)),
        v_rel, v_c.joins,
        (SELECT string_agg(format('s.%I', p), ', ' ORDER BY n) FROM unnest(v_c.pk) WITH ORDINALITY x(p, n)),
        (SELECT string_agg(format('($1 ->> %s)::%s', n - 1, t), ', ' ORDER BY n) FROM unnest(v_types) WITH ORDINALITY x(t, n)),
        p_batch,
        v_a.shadow_schema, v_m #>> '{config,table_name}',
        (SELECT string_agg(format('%I', c), ', ' ORDER BY n) FROM unnest(v_c.cols) WITH ORDINALITY x(c, n)),
        (SELECT string_agg(format('src.%I', p), ', ' ORDER BY n) FROM unnest(v_c.pk) WITH ORDINALITY x(p, n)),
        (SELECT string_agg(format('src.%I DESC', p), ', ' ORDER BY n) FROM unnest(v_c.pk) WITH ORDINALITY x(p, n)));
      FOR i IN 1 .. 1000 LOOP
        BEGIN
          EXECUTE v_sql INTO v_n, v_last USING nullif(v_p -> 'last', 'null'::jsonb);
          EXIT;
        EXCEPTION WHEN unique_violation THEN
          -- A row given a unique value a copied row gave up, that row's write logged beyond
          -- the share replayed above: the same entries would come first in every call, and
          -- the copy would never get past them. All of the log replayed, the batch again.
          IF v_replayed THEN
            RAISE;
          END IF;
          v_replayed := true;
          PERFORM parting._adopt_replay(p_model, NULL);
        WHEN check_violation THEN
          -- A row whose key no shadow partition holds: that partition made, the batch again.
          GET STACKED DIAGNOSTICS v_detail = PG_EXCEPTION_DETAIL;
          IF i = 1000 OR NOT parting._adopt_missing_partition(p_model, v_detail) THEN
            RAISE;
          END IF;
        END;
      END LOOP;
      UPDATE parting.adoption a
         SET progress = jsonb_set(a.progress, ARRAY[v_m #>> '{config,model}'],
                                  jsonb_build_object('copied', (v_p ->> 'copied')::bigint + v_n,
                                                     'total', greatest((v_p ->> 'total')::bigint, (v_p ->> 'copied')::bigint + v_n),
                                                     'last', coalesce(v_last, v_p -> 'last'), 'done', v_n < p_batch)),
             updated_at = now()
       WHERE a.model = p_model;
    END IF;
  END IF;
  RETURN QUERY
    SELECT m #>> '{config,model}', (a.progress -> (m #>> '{config,model}') ->> 'copied')::bigint,
           (a.progress -> (m #>> '{config,model}') ->> 'total')::bigint, (a.progress -> (m #>> '{config,model}') ->> 'done')::boolean
      FROM parting.adoption a CROSS JOIN LATERAL jsonb_array_elements(a.members) WITH ORDINALITY x(m, n)
     WHERE a.model = p_model ORDER BY n;
END;
$$;

COMMENT ON FUNCTION parting.adopt_copy(text, integer) IS
$c$Copies one batch of an adoption (one transaction); call until every member is done (the phase becomes 'copied').$c$;
