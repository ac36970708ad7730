-- The "current" value of a range model, as canonical text: now() for time keys; for an
-- integer key, which has no clock, the largest key stored (0 when empty), as pg_partman
-- does, leaving out the default partition: one stray key there must not move "current",
-- and with it every retention cutoff.
--
-- A max() over the parent would plan an Append over every partition and lock them all, on
-- every run. Instead the top partition gives a lower bound L, and max() asks only for keys
-- >= L, which the planner prunes to the partitions at or above L, however they were made:
-- the answer is exact whenever a key >= L exists. L is the larger of the lower bounds of the
-- newest partition (the parent's child with the largest oid: the last made, normally the top
-- of the premade ones) and of the highest partition pgpart logged as created (history kept
-- for historyKeep; read from the top of an index of the created rows' lower bounds, one
-- entry however many were made): after a backfill, the newest
-- partition is a low one, and L from it alone would have max() read every partition above
-- it. Any L gives the same answer; only the partitions read differ. When none does (the
-- premade partitions are empty), windows below L, doubling in width, are asked in turn,
-- each pruned to the partitions it overlaps, down to the type's minimum: a few empty
-- partitions a run, and the whole table only when it holds no key at all.
CREATE OR REPLACE FUNCTION parting._current(p_cfg parting.config)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_default regclass := to_regclass(format('%I.%I', p_cfg.schema_name, parting._name(p_cfg.table_name, 'default')));
  v_parent regclass := to_regclass(format('%I.%I', p_cfg.schema_name, p_cfg.table_name));
  v_not_default text := CASE WHEN v_default IS NULL THEN '' ELSE format(' AND tableoid <> %L::regclass', v_default) END;
  v_bound text;
  v_high numeric;
  v_low numeric;
  v_min numeric;
  v_width numeric;
  v_max text;
BEGIN
  IF p_cfg.key_type <> 'integer' THEN
    RETURN parting._canonical_abs(p_cfg, now());
  END IF;
  SELECT pg_get_expr(c.relpartbound, c.oid) INTO v_bound
    FROM pg_class c
   WHERE c.oid = (SELECT max(i.inhrelid) FROM pg_inherits i
                   WHERE i.inhparent = v_parent AND i.inhrelid IS DISTINCT FROM v_default::oid);
  -- FOR VALUES FROM (<low>) TO (<high>); a bottom partition may start at MINVALUE.
  v_bound := btrim(substr(v_bound, 18, position(') TO (' IN v_bound) - 18), '''');
  IF v_bound IS NULL OR v_bound !~ '^-?\d+$' THEN
    -- No partition, or one from the type's minimum: the whole table, as it is.
    EXECUTE format('SELECT coalesce(max(%I), 0)::text FROM %s WHERE true%s', p_cfg.key_column, v_parent, v_not_default)
       INTO v_max;
    RETURN v_max;
  END IF;
  v_high := greatest(v_bound::numeric,
                     (SELECT max((h.detail ->> 'lower')::numeric) FROM parting.history h
                       WHERE h.model = p_cfg.model AND h.action = 'created' AND h.detail ->> 'lower' ~ '^-?[0-9]+$'));
  EXECUTE format('SELECT max(%I)::text FROM %s WHERE %I >= %L%s', p_cfg.key_column, v_parent, p_cfg.key_column, v_high, v_not_default)
     INTO v_max;
  IF v_max IS NOT NULL THEN
    RETURN v_max;
  END IF;
  -- The type's minimum (a window reaching it is asked without a lower bound).
  v_min := CASE (SELECT a.atttypid FROM pg_attribute a WHERE a.attrelid = v_parent AND a.attname = p_cfg.key_column)
             WHEN 'int2'::regtype THEN -32768 WHEN 'int4'::regtype THEN -2147483648 ELSE -9223372036854775808 END;
  v_width := p_cfg.width;
  LOOP
    v_low := v_high - v_width;
    IF v_low <= v_min THEN
      EXECUTE format('SELECT coalesce(max(%I), 0)::text FROM %s WHERE %I < %L%s', p_cfg.key_column, v_parent, p_cfg.key_column,
                     v_high, v_not_default)
         INTO v_max;
      RETURN v_max;
    END IF;
    EXECUTE format('SELECT max(%I)::text FROM %s WHERE %I >= %L AND %I < %L%s', p_cfg.key_column, v_parent, p_cfg.key_column,
                   v_low, p_cfg.key_column, v_high, v_not_default)
       INTO v_max;
    IF v_max IS NOT NULL THEN
      RETURN v_max;
    END IF;
    v_high := v_low;
    v_width := v_width * 2;
  END LOOP;
END;
$$;
