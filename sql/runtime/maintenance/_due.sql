-- What run_maintenance has to do for one family, in order, as (step, arg) rows, from its
-- parts, each of which reads only what its own work needs, so a run with nothing to do
-- costs about the same at 100 partitions as at 10,000:
--   create      <value>  parting._due_create: the current partition and premake ahead,
--                        then the ones missed after downtime (newest first, catchUp at most)
--   drain       <value>  parting._due_drain: partitions for rows waiting in the default one
--   retire      <suffix> parting._due_retire: partitions past retention keep, oldest first
--   tablespace  <value>  parting._due_tablespace: families not in the tablespace the config
--                        puts them in (tiers, archiveTablespace, detachTablespace)
--   expire      <suffix> parting._due_expire: detached and archived families past dropAfter,
--                        then this run's retirees already past it
-- A create or drain is listed only when some member of its family is missing and the family
-- is not detached or archived (it stays so until attach_partition); a partition both missed
-- and holding default rows is drained. TimeZone is pinned so key values read out of tables
-- print with an explicit offset.
CREATE OR REPLACE FUNCTION parting._due(p_root parting.config)
RETURNS TABLE (step text, arg text)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
SET DateStyle = 'ISO, YMD'
AS $$
DECLARE
  v_cur text;
  v_default regclass;
  v_top text;
  v_next text;
  v_cutoff text;
  v_retire text[];
  v_retire_values text[];
  v_expiring text[];
  v_values text[];
  v_passes integer[];
  v_drop text;
BEGIN
  IF p_root.strategy = 'range' THEN
    v_cur := parting._current(p_root);
    -- An integer key's current value is the largest key attached; this run's drain moves the
    -- rows waiting in the default partition within premake of it into their partitions,
    -- which makes a larger key current, whose premake window the run must make too: else
    -- each run would end a partition short (check() finding it missing) and make it the next.
    -- So the current value is the one the drain will leave: followed up through the default
    -- partition's keys (one probe of its key index per step), as far as they reach.
    v_default := to_regclass(format('%I.%I', p_root.schema_name, parting._name(p_root.table_name, 'default')));
    IF p_root.key_type = 'integer' AND v_default IS NOT NULL THEN
      FOR i IN 1 .. 1000 LOOP
        v_top := (parting._bound(p_root, v_cur)).lower;
        FOR j IN 1 .. p_root.premake + 1 LOOP
          v_top := (parting._bound(p_root, v_top)).upper;
          EXIT WHEN v_top = 'MAXVALUE';
        END LOOP;
        EXECUTE format('SELECT max(%I)::text FROM %s WHERE %I > %s%s', p_root.key_column, v_default, p_root.key_column, v_cur,
                       CASE WHEN v_top <> 'MAXVALUE' THEN format(' AND %I < %s', p_root.key_column, v_top) ELSE '' END)
           INTO v_next;
        EXIT WHEN v_next IS NULL;
        v_cur := v_next;
      END LOOP;
    END IF;
    v_cutoff := parting._cutoff(p_root, v_cur, p_root.retention_keep);
  END IF;

  WITH wanted AS (
    SELECT c.value, c.suffix, c.pass, c.n FROM parting._due_create(p_root, v_cur, v_cutoff) c
    UNION ALL
    SELECT d.value, d.suffix, 1, d.n FROM parting._due_drain(p_root, v_cur, v_cutoff) d
  ), named AS (
    SELECT DISTINCT ON (w.suffix) w.value, w.pass, w.n, w.suffix
      FROM wanted w
     ORDER BY w.suffix, w.pass
  ), family AS (
    -- Each model of the family: its parent and schema, read once for all candidates.
    SELECT c.model, c.table_name, n.oid AS nsp, to_regclass(format('%I.%I', c.schema_name, c.table_name))::oid AS parent
      FROM parting.config c JOIN pg_namespace n ON n.nspname = c.schema_name
     WHERE c.root_model = p_root.model
  ), due AS (
    -- Some member is not attached (each looked up by name in pg_class's index), and the
    -- family is not detached or archived (it stays so until attach_partition).
    SELECT n.value, n.pass, row_number() OVER (ORDER BY n.pass, n.n) AS i
      FROM named n
     WHERE EXISTS (SELECT FROM family f
                    WHERE NOT EXISTS (SELECT FROM pg_class r JOIN pg_inherits h ON h.inhrelid = r.oid AND h.inhparent = f.parent
                                       WHERE r.relnamespace = f.nsp
                                         AND r.relname = parting._name(f.table_name, n.suffix)))
       AND NOT EXISTS (SELECT FROM parting.offline o JOIN family f ON f.model = o.model
                        JOIN pg_namespace s ON s.nspname = o.schema_name
                        JOIN pg_class r ON r.relnamespace = s.oid AND r.relname = o.table_name
                       WHERE o.suffix = n.suffix AND o.state <> 'filling')
  )
  SELECT coalesce(array_agg(d.value ORDER BY d.i), '{}'), coalesce(array_agg(d.pass ORDER BY d.i), '{}')
    INTO v_values, v_passes
    FROM due d;
  -- A catch-up goes on, run after run, until none of the missed partitions is left to make
  -- (parting._catch_up_until).
  IF p_root.strategy = 'range' THEN
    IF 2 = ANY (v_passes) THEN
      INSERT INTO parting.catch_up (model, until)
      VALUES (p_root.model, parting._catch_up_until(p_root, (parting._bound(p_root, v_cur)).lower))
      ON CONFLICT (model) DO NOTHING;
    ELSE
      DELETE FROM parting.catch_up k WHERE k.model = p_root.model;
    END IF;
  END IF;
  RETURN QUERY SELECT CASE WHEN v_passes[i] = 1 THEN 'drain' ELSE 'create' END, v_values[i]
                 FROM generate_subscripts(v_values, 1) AS i ORDER BY i;

  SELECT coalesce(array_agg(r.suffix ORDER BY r.n), '{}'), coalesce(array_agg(r.lower ORDER BY r.n), '{}')
    INTO v_retire, v_retire_values
    FROM parting._due_retire(p_root, v_cutoff) r;
  RETURN QUERY SELECT 'retire'::text, r FROM unnest(v_retire) AS r;
  -- Retirees already past dropAfter are dropped after their retire, not moved first.
  v_drop := CASE WHEN p_root.retention_drop_after IS NOT NULL AND p_root.retention_action IN ('detach', 'archive')
                 THEN (parting._bound(p_root, parting._cutoff(p_root, v_cur, p_root.retention_drop_after))).lower END;
  SELECT coalesce(array_agg(r.v ORDER BY r.i) FILTER (WHERE v_drop IS NOT NULL AND parting._ord(p_root, r.v) < parting._ord(p_root, v_drop)), '{}'),
         coalesce(array_agg(r.v ORDER BY r.i) FILTER (WHERE v_drop IS NULL OR parting._ord(p_root, r.v) >= parting._ord(p_root, v_drop)), '{}')
    INTO v_expiring, v_retire_values
    FROM unnest(v_retire_values) WITH ORDINALITY AS r(v, i);
  RETURN QUERY SELECT 'tablespace'::text, t.value FROM parting._due_tablespace(p_root, v_cur, v_cutoff, v_retire_values) t ORDER BY t.n;
  RETURN QUERY SELECT 'expire'::text, e.suffix FROM parting._due_expire(p_root, v_cur) e ORDER BY e.n;
  RETURN QUERY SELECT 'expire'::text, (parting._bound(p_root, x.v)).suffix FROM unnest(v_expiring) WITH ORDINALITY AS x(v, i) ORDER BY x.i;
END;
$$;
