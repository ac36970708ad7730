-- Compares the shadow family with the old tables after the copy: per member and per
-- partition, the rows' count and a checksum over their content (every column, a
-- dependent's key included, as text), both sides read by one statement, so in one
-- snapshot. The change logs are applied first; what writers log meanwhile is left out of
-- both sides, in that same snapshot: a row whose key is in its member's log, or whose
-- parent's (grandparent's, …) key is in theirs, since its key may move with them. Every
-- other row has had its last change replayed, so the two sides must agree on it. Returns
-- one row per member and partition; when all agree the phase becomes 'verified', else it
-- stays 'copied' and the rows that differ say where. Reads every row once on each side;
-- locks nothing beyond ACCESS SHARE.
CREATE OR REPLACE FUNCTION parting.adopt_verify(p_model text)
RETURNS TABLE (member text, part text, old_rows bigint, new_rows bigint, same boolean)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_a parting.adoption;
  v_m jsonb;
  v_c record;
  v_cfg parting.config;
  v_keytype text;
  v_lowers text[];
  v_suffixes text[];
  v_bucket text;
  v_row text;
  v_sql text;
  v_bad integer := 0;
  v_r record;
  v_ac record;
  v_anc jsonb;
  v_flight text;
BEGIN
  SELECT * INTO v_a FROM parting.adoption a WHERE a.model = p_model FOR UPDATE;
  IF NOT FOUND OR v_a.phase NOT IN ('copied', 'verified') THEN
    RAISE EXCEPTION 'adoption of "%" is not copied yet (%)', p_model, coalesce(v_a.phase, 'not started')
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  v_cfg := parting._model(p_model);
  PERFORM parting._adopt_replay(p_model, NULL);
  SELECT format_type(a.atttypid, a.atttypmod) INTO v_keytype FROM pg_attribute a
   WHERE a.attrelid = format('%I.%I', v_a.schema_name, v_cfg.table_name)::regclass AND a.attname = v_cfg.key_column AND NOT a.attisdropped;
  SELECT array_agg(p.lower ORDER BY p.suffix), array_agg(p.suffix ORDER BY p.suffix) INTO v_lowers, v_suffixes
    FROM parting.adoption_partition p WHERE p.model = p_model;
  -- Range partitions in key order: a row's bucket is its partition.
  IF v_cfg.strategy = 'range' THEN
    EXECUTE format('SELECT array_agg(l ORDER BY l::%1$s), array_agg(s ORDER BY l::%1$s) FROM unnest($1, $2) x(l, s)', v_keytype)
      INTO v_lowers, v_suffixes USING v_lowers, v_suffixes;
  END IF;
  FOR v_m IN SELECT m FROM jsonb_array_elements(v_a.members) m LOOP
    IF to_regclass(format('%I.%I', v_a.schema_name, v_m #>> '{config,table_name}')) IS NULL THEN
      CONTINUE;
    END IF;
    v_c := parting._adopt_chain(v_a.members, v_m #>> '{config,model}', v_a.schema_name);
    -- The rows in flight: the member's own logged keys, and those of its rows below a
    -- logged ancestor (aliases a1, a2, … of the chain's joins, parents first).
    v_flight := format('SELECT %s FROM %I.%I',
                       (SELECT string_agg(format('%I', p), ', ' ORDER BY n) FROM unnest(v_c.pk) WITH ORDINALITY y(p, n)),
                       v_a.shadow_schema, parting._name('pgpart_log', v_m #>> '{config,table_name}'));
    v_anc := v_m;
    FOR i IN 2 .. cardinality(v_c.aliases) LOOP
      v_anc := (SELECT m FROM jsonb_array_elements(v_a.members) m WHERE m #>> '{config,model}' = v_anc #>> '{config,parent_model}');
      v_ac := parting._adopt_chain(v_a.members, v_anc #>> '{config,model}', v_a.schema_name);
      v_flight := v_flight || format(' UNION SELECT %s FROM %I.%I s%s WHERE (%s) IN (SELECT %s FROM %I.%I)',
        (SELECT string_agg(format('s.%I', p), ', ' ORDER BY n) FROM unnest(v_c.pk) WITH ORDINALITY y(p, n)),
        v_a.schema_name, v_m #>> '{config,table_name}', v_c.joins,
        (SELECT string_agg(format('%s.%I', v_c.aliases[i], p), ', ' ORDER BY n) FROM unnest(v_ac.pk) WITH ORDINALITY y(p, n)),
        (SELECT string_agg(format('%I', p), ', ' ORDER BY n) FROM unnest(v_ac.pk) WITH ORDINALITY y(p, n)),
        v_a.shadow_schema, parting._name('pgpart_log', v_anc #>> '{config,table_name}'));
    END LOOP;
    v_bucket := CASE WHEN v_cfg.strategy = 'range'
                     THEN format('coalesce($2[width_bucket(x.%I, $1::%s[])], ''-'')', v_m #>> '{config,key_column}', v_keytype)
                     ELSE format('coalesce(x.%I::text, ''-'')', v_m #>> '{config,key_column}') END;
    v_row := format('hashtextextended(row(%s)::text, 0)',
                    (SELECT string_agg(format('x.%I', c), ', ' ORDER BY n) FROM unnest(v_c.cols) WITH ORDINALITY y(c, n)));
    v_sql := format(
      'WITH f AS MATERIALIZED (%8$s), '
      'o AS (SELECT %1$s AS b, count(*) AS n, sum(%2$s) AS h FROM (SELECT %3$s FROM %4$I.%5$I s%6$s WHERE NOT EXISTS (SELECT FROM f WHERE %9$s)) x GROUP BY 1), '
      'w AS (SELECT %1$s AS b, count(*) AS n, sum(%2$s) AS h FROM %7$I.%5$I x WHERE NOT EXISTS (SELECT FROM f WHERE %10$s) GROUP BY 1) '
      'SELECT coalesce(o.b, w.b) AS b, coalesce(o.n, 0) AS o_n, coalesce(w.n, 0) AS w_n, (o.n, o.h) IS NOT DISTINCT FROM (w.n, w.h) AS same '
      'FROM o FULL JOIN w ON o.b = w.b ORDER BY 1',
      v_bucket, v_row,
      (SELECT string_agg(format('%s AS %I', e, c), ', ' ORDER BY n) FROM unnest(v_c.exprs, v_c.cols) WITH ORDINALITY y(e, c, n)),
      v_a.schema_name, v_m #>> '{config,table_name}', v_c.joins, v_a.shadow_schema, v_flight,
      (SELECT string_agg(format('f.%I = s.%I', p, p), ' AND ') FROM unnest(v_c.pk) p),
      (SELECT string_agg(format('f.%I = x.%I', p, p), ' AND ') FROM unnest(v_c.pk) p));
    -- The row's shape, for plpgsql_check (a dynamic query's record has none until it runs).
    PERFORM 'PRAGMA:TYPE:v_r (b text, o_n bigint, w_n bigint, same boolean)';
    FOR v_r IN EXECUTE v_sql USING v_lowers, v_suffixes LOOP
      IF NOT v_r.same THEN
        v_bad := v_bad + 1;
      END IF;
      member := v_m #>> '{config,model}';
      part := parting._name(v_m #>> '{config,table_name}',
                            CASE WHEN v_cfg.strategy = 'range' THEN v_r.b ELSE (parting._bound(v_cfg, v_r.b)).suffix END);
      old_rows := v_r.o_n;
      new_rows := v_r.w_n;
      same := v_r.same;
      RETURN NEXT;
    END LOOP;
  END LOOP;
  UPDATE parting.adoption a SET phase = CASE WHEN v_bad = 0 THEN 'verified' ELSE 'copied' END, updated_at = now()
   WHERE a.model = p_model;
END;
$$;

COMMENT ON FUNCTION parting.adopt_verify(text) IS
$c$Compares an adoption's shadow family with the old tables, per member and partition (count and checksum); all equal: phase 'verified'.$c$;
