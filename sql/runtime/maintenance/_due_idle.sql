-- The root models of p_roots with nothing due, found by one query for all of them, so a
-- run with nothing to do skips parting._due's per-family plan (its routines, their
-- statements, a transaction per family) and costs a new connection little to compile.
--
-- A family is idle here only where parting._due would list no step for it, and the test
-- is stricter than _due wherever matching it would need _due's own walk: a family it
-- cannot clear is planned in full, which decides. Idle means:
--   - no member's family left filling by a cut-short drain or half detached by
--     `pgpart maintain` (_due_drain and _due_retire list those);
--   - no detached or archived family the plan would weigh for dropAfter or for
--     detachTablespace and archiveTablespace (_due_expire, _due_tablespace);
--   - a list model: nothing more (the rest of the plan is about ranges);
--   - a range model: a time key (an integer key's current value is read out of its rows),
--     no default partition (rows waiting there are _due_drain's), no tiers, no catch-up in
--     progress, no attached partition past the retention cutoff (_due_retire's question,
--     asked the same way), and the current partition and premake ahead attached in every
--     member by name (_due_create's and _due's), which also means _catch_up_until finds
--     the current partition and nothing missed.
-- TimeZone and DateStyle are pinned as in parting._due. Plain SQL with no PL/pgSQL routine on
-- the path of a family without retention, since it is most of what a run pays on a new
-- connection.
CREATE OR REPLACE FUNCTION parting._due_idle(p_roots text[])
RETURNS text[]
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
SET DateStyle = 'ISO, YMD'
AS $$
  SELECT coalesce(array_agg(r.model ORDER BY r.model), '{}')
    FROM parting.config r
   WHERE r.model = ANY (p_roots) AND r.parent_model IS NULL
     AND NOT EXISTS (SELECT FROM parting.config m JOIN parting.offline o ON o.model = m.model
                      WHERE m.root_model = r.model AND o.state IN ('filling', 'detaching'))
     AND NOT EXISTS (SELECT FROM parting.offline o
                      WHERE o.model = r.model AND o.state IN ('detached', 'archived')
                        AND (r.retention_drop_after IS NOT NULL
                             OR EXISTS (SELECT FROM parting.config m
                                         WHERE m.root_model = r.model
                                           AND (m.archive_tablespace IS NOT NULL OR m.detach_tablespace IS NOT NULL))))
     AND (r.strategy = 'list'
          OR (r.strategy = 'range' AND r.key_type IN ('timestamptz', 'timestamp', 'date')
              AND to_regclass(format('%I.%I', r.schema_name, parting._name(r.table_name, 'default'))) IS NULL
              AND NOT EXISTS (SELECT FROM parting.config m WHERE m.root_model = r.model AND m.tiers <> '[]'::jsonb)
              AND NOT EXISTS (SELECT FROM parting.catch_up k WHERE k.model = r.model)
              AND (r.retention_keep IS NULL
                   OR NOT EXISTS (SELECT FROM parting._attached_between(
                                    r, NULL, (parting._bound(r, parting._cutoff(r, parting._current(r), r.retention_keep))).lower)))
              AND NOT EXISTS (
                SELECT FROM (SELECT m.schema_name, m.table_name, to_regclass(format('%I.%I', m.schema_name, m.table_name)) AS parent
                               FROM parting.config m WHERE m.root_model = r.model) f,
                            (-- The current partition and premake ahead, by parting._bound's rule: wall-clock
                             -- periods in the model's zone, named by their start; hours of a timestamptz
                             -- key (absolute hours, a repeated hour named _2) as _due_create walks them,
                             -- each from the last one's upper bound. parting._bound's hour arithmetic is
                             -- written out here rather than called: a new connection's first run then
                             -- compiles no PL/pgSQL routine for it (_current, _bound, _canonical_*).
                             SELECT to_char(date_trunc(r.unit, now() AT TIME ZONE r.timezone)
                                              + g::float8 * CASE r.unit WHEN 'quarter' THEN interval '3 months' ELSE ('1 ' || r.unit)::interval END,
                                            CASE r.unit WHEN 'year' THEN 'YYYY' WHEN 'quarter' THEN 'YYYY_MM' WHEN 'month' THEN 'YYYY_MM'
                                                        WHEN 'hour' THEN 'YYYY_MM_DD_HH24MI' ELSE 'YYYY_MM_DD' END) AS suffix
                               FROM generate_series(0, r.premake) g
                              WHERE NOT (r.key_type = 'timestamptz' AND r.unit = 'hour')
                             UNION ALL
                             SELECT to_char(h.at AT TIME ZONE r.timezone, 'YYYY_MM_DD_HH24MI')
                                    || CASE WHEN (h.at - interval '1 hour') AT TIME ZONE r.timezone >= h.at AT TIME ZONE r.timezone
                                            THEN '_2' ELSE '' END
                               FROM (WITH RECURSIVE ahead (i, at) AS (
                                       SELECT 0, date_bin(interval '1 hour', c.at, date_trunc('hour', c.at AT TIME ZONE r.timezone) AT TIME ZONE r.timezone)
                                         FROM (SELECT date_bin(interval '1 hour', now(), date_trunc('hour', now() AT TIME ZONE r.timezone) AT TIME ZONE r.timezone) AS at) c
                                        WHERE r.key_type = 'timestamptz' AND r.unit = 'hour'
                                       UNION ALL
                                       SELECT a.i + 1, date_bin(interval '1 hour', a.at + interval '1 hour',
                                                                date_trunc('hour', (a.at + interval '1 hour') AT TIME ZONE r.timezone) AT TIME ZONE r.timezone)
                                         FROM ahead a WHERE a.i < r.premake)
                                     SELECT a.at FROM ahead a) h) w
                 -- Each name looked up by to_regclass (the catalog cache), not by a join with
                 -- pg_class and pg_namespace: fewer catalogs for a new connection to plan with.
                 -- Its parents are read by pg_inherits' index on inhrelid alone: with a condition
                 -- on inhparent too, catalog statistics from before the partitions were made
                 -- (autovacuum not yet by) led the planner to also read every partition of the
                 -- parent from the other index, on every run.
                 WHERE NOT coalesce(f.parent = ANY (ARRAY(
                         SELECT h.inhparent FROM pg_inherits h
                          WHERE h.inhrelid = to_regclass(format('%I.%I', f.schema_name, parting._name(f.table_name, w.suffix))))), false))))
$$;
