-- What run_maintenance has to do for one family, in order, as (step, arg) rows:
--   create      <value>   a missing partition to make (arg: a canonical value in it), oldest
--                         first: from the newest partition at or before the current one up
--                         to premake ahead, never older than the retention cutoff, so a run
--                         after downtime fills every month missed, with no gap;
--   drain       <value>   a missing partition for rows waiting in the default partition, or
--                         one left filling by an interrupted batched drain;
--   retire      <suffix>  a partition whose every row is older than retention keep,
--                         oldest first, detached then archived or dropped as configured.
--   tablespace  <suffix>  an archived partition not yet in archiveTablespace, including
--                         those this run's retire steps are about to archive.
-- TimeZone is pinned so key values read out of tables print with an explicit offset.
CREATE OR REPLACE FUNCTION parting._plan(p_root parting.config)
RETURNS TABLE (step text, arg text)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
SET DateStyle = 'ISO, YMD'
AS $$
DECLARE
  v_default regclass := to_regclass(format('%I.%I', p_root.schema_name, parting._name(p_root.table_name, 'default')));
  v_cur text;
  v_b record;
  v_last record;
  v_cutoff text;
  v_v text;
  v_chain text[] := ARRAY[]::text[];
  v_drain text[] := ARRAY[]::text[];
  v_n integer := 0;
BEGIN
  IF p_root.strategy = 'range' THEN
    v_cur := parting._current(p_root);
    v_b := parting._bound(p_root, v_cur);
    v_last := v_b;
    FOR i IN 1 .. p_root.premake LOOP
      v_last := parting._bound(p_root, v_last.upper);
    END LOOP;

    IF p_root.retention_keep IS NOT NULL THEN
      v_cutoff := CASE WHEN p_root.key_type = 'integer'
                       THEN (v_cur::numeric - p_root.retention_keep::numeric * p_root.width)::text
                       ELSE parting._canonical_wall(p_root, (now() AT TIME ZONE p_root.timezone) - p_root.retention_keep::interval) END;
    END IF;

    SELECT p.lower INTO v_v
      FROM parting._attached(p_root.model) p
     WHERE NOT p.is_default AND parting._ord(p_root, p.lower) <= parting._ord(p_root, v_b.lower)
     ORDER BY parting._ord(p_root, p.lower) DESC
     LIMIT 1;
    v_v := coalesce(v_v, v_b.lower);
    IF v_cutoff IS NOT NULL AND parting._ord(p_root, v_v) < parting._ord(p_root, v_cutoff) THEN
      v_v := (parting._bound(p_root, v_cutoff)).lower;
    END IF;
    WHILE parting._ord(p_root, v_v) <= parting._ord(p_root, v_last.lower) LOOP
      v_chain := v_chain || v_v;
      v_v := (parting._bound(p_root, v_v)).upper;
    END LOOP;

    -- Rows in the default partition: one index probe per partition they fall in, from the
    -- partition holding the retention cutoff (older rows stay: retention would retire
    -- their partition at once) up to the last premade partition (rows further ahead wait
    -- until their partition comes within premake).
    v_v := CASE WHEN v_cutoff IS NOT NULL THEN (parting._bound(p_root, v_cutoff)).lower END;
    WHILE v_default IS NOT NULL AND v_n < 1000 LOOP
      -- An integer range's top partition ends at MAXVALUE: no upper test, and nothing above it.
      EXECUTE format('SELECT min(%I)::text FROM %s WHERE %s', p_root.key_column, v_default,
                     concat_ws(' AND ',
                               CASE WHEN v_last.upper <> 'MAXVALUE' THEN format('%I < %L', p_root.key_column, v_last.upper) END,
                               CASE WHEN v_v IS NOT NULL THEN format('%I >= %L', p_root.key_column, v_v) END, 'true'))
         INTO v_v;
      EXIT WHEN v_v IS NULL;
      v_b := parting._bound(p_root, v_v);
      v_drain := v_drain || v_b.lower;
      v_v := v_b.upper;
      v_n := v_n + 1;
      EXIT WHEN v_v = 'MAXVALUE';
    END LOOP;
  END IF;

  -- The chain first (premake matters most), then the drains; only what is missing, and
  -- never a family that is detached or archived: it stays so until attach_partition.
  RETURN QUERY
  WITH wanted AS (
    SELECT 'create'::text AS step, w.v, 0 AS pass FROM unnest(v_chain) AS w(v)
    UNION ALL
    SELECT 'drain', w.v, 1 FROM unnest(v_drain) AS w(v)
    UNION ALL
    SELECT 'drain', o.lower, 1 FROM parting.offline o WHERE o.model = p_root.model AND o.state = 'filling'
  ), named AS (
    SELECT DISTINCT ON (x.suffix) w.step, w.v, w.pass, x.suffix
      FROM wanted w CROSS JOIN LATERAL (SELECT (parting._bound(p_root, w.v)).suffix) AS x(suffix)
     ORDER BY x.suffix, w.pass
  )
  SELECT n.step, n.v
    FROM named n
   WHERE NOT (SELECT bool_and(m.attached) FROM parting._members(p_root, n.suffix) m)
     AND parting._offline_state(p_root, n.suffix) IS DISTINCT FROM 'offline'
   ORDER BY n.pass, CASE WHEN p_root.strategy = 'range' THEN parting._ord(p_root, n.v) END, n.v;

  IF v_cutoff IS NOT NULL THEN
    RETURN QUERY
    SELECT 'retire'::text, p.key
      FROM parting._attached(p_root.model) p
     WHERE NOT p.is_default AND parting._ord(p_root, p.upper) <= parting._ord(p_root, v_cutoff)
     ORDER BY parting._ord(p_root, p.lower);
  END IF;
  -- Families a `pgpart maintain` left half detached are finished as retired.
  RETURN QUERY
  SELECT DISTINCT 'retire'::text, o.suffix
    FROM parting.offline o JOIN parting.config c ON c.model = o.model
   WHERE c.root_model = p_root.model AND o.state = 'detaching'
     AND NOT EXISTS (SELECT FROM parting._attached(p_root.model) p WHERE p.key = o.suffix);

  -- To be archived by this run's retire steps, then moved after them.
  RETURN QUERY
  SELECT 'tablespace'::text, p.key
    FROM parting._attached(p_root.model) p
   WHERE v_cutoff IS NOT NULL AND p_root.retention_action = 'archive'
     AND EXISTS (SELECT FROM parting.config c WHERE c.root_model = p_root.model AND c.archive_tablespace IS NOT NULL)
     AND NOT p.is_default AND parting._ord(p_root, p.upper) <= parting._ord(p_root, v_cutoff)
   ORDER BY parting._ord(p_root, p.lower);
  -- Archived earlier, and not yet in the archive tablespace.
  RETURN QUERY
  SELECT DISTINCT 'tablespace'::text, o.suffix
    FROM parting.offline o
    JOIN parting.config c ON c.model = o.model
    JOIN pg_class r ON r.oid = to_regclass(format('%I.%I', o.schema_name, o.table_name))
   WHERE c.root_model = p_root.model AND o.state = 'archived' AND c.archive_tablespace IS NOT NULL
     AND r.reltablespace IS DISTINCT FROM (SELECT t.oid FROM pg_tablespace t WHERE t.spcname = c.archive_tablespace);
END;
$$;
