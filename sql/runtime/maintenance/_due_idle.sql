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
-- connection; what only some families need (the names ahead of each kind of key, the
-- retention test) is in routines of its own (_due_idle_hours, _due_idle_periods,
-- _due_idle_kept), which a new connection plans only when a family calls them. Operators
-- are written so that each resolves by one lookup on a new connection: the sort with
-- pg_catalog's `<` for text (not the type's default ordering, found by weighing every btree
-- operator class), ORs of equalities rather than IN lists, array_position rather than
-- `= ANY` (both of which look up the default ordering too), oid = oid rather than regclass.
CREATE OR REPLACE FUNCTION parting._due_idle(p_roots text[])
RETURNS text[]
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
SET DateStyle = 'ISO, YMD'
AS $$
  SELECT coalesce(array_agg(r.model ORDER BY r.model USING OPERATOR(pg_catalog.<)), '{}')
    FROM parting.config r
   WHERE array_position(p_roots, r.model) IS NOT NULL AND r.parent_model IS NULL
     -- Offline families asked by scalar subqueries rather than NOT EXISTS: the planner
     -- would turn those into joins on text, and a new connection then looks up text's
     -- default ordering (weighing every btree operator class, a catalog probe each).
     AND (SELECT true FROM parting.offline o
           WHERE (o.state = 'filling' OR o.state = 'detaching')
             AND (SELECT m.root_model FROM parting.config m WHERE m.model = o.model) = r.model
           LIMIT 1) IS NULL
     AND (SELECT true FROM parting.offline o
           WHERE o.model = r.model AND (o.state = 'detached' OR o.state = 'archived')
             AND (r.retention_drop_after IS NOT NULL
                  OR EXISTS (SELECT FROM parting.config m
                              WHERE m.root_model = r.model
                                AND (m.archive_tablespace IS NOT NULL OR m.detach_tablespace IS NOT NULL)))
           LIMIT 1) IS NULL
     AND (r.strategy = 'list'
          OR (r.strategy = 'range' AND (r.key_type = 'timestamptz' OR r.key_type = 'timestamp' OR r.key_type = 'date')
              AND to_regclass(format('%I.%I', r.schema_name, parting._name(r.table_name, 'default'))) IS NULL
              AND NOT EXISTS (SELECT FROM parting.config m WHERE m.root_model = r.model AND m.tiers <> '[]'::jsonb)
              AND NOT EXISTS (SELECT FROM parting.catch_up k WHERE k.model = r.model)
              AND (r.retention_keep IS NULL OR parting._due_idle_kept(r))
              AND NOT EXISTS (
                SELECT FROM (SELECT m.schema_name, m.table_name, to_regclass(format('%I.%I', m.schema_name, m.table_name))::oid AS parent
                               FROM parting.config m WHERE m.root_model = r.model) f,
                            (-- The current partition and premake ahead (a routine for each kind, so
                             -- that a new connection plans only the kinds its families have).
                             SELECT unnest(CASE WHEN r.key_type = 'timestamptz' AND r.unit = 'hour'
                                                THEN parting._due_idle_hours(r.timezone, r.premake)
                                                ELSE parting._due_idle_periods(r.unit, r.timezone, r.premake) END) AS suffix) w
                 -- Each name looked up by to_regclass (the catalog cache), not by a join with
                 -- pg_class and pg_namespace: fewer catalogs for a new connection to plan with.
                 -- Its parents are read by pg_inherits' index on inhrelid alone: with a condition
                 -- on inhparent too, catalog statistics from before the partitions were made
                 -- (autovacuum not yet by) led the planner to also read every partition of the
                 -- parent from the other index, on every run. The name's oid compared as oid:
                 -- there is no `=` for oid and regclass, and a new connection would weigh every
                 -- `=` against the pair (a catalog probe per candidate type).
                 WHERE NOT coalesce(f.parent = ANY (ARRAY(
                         SELECT h.inhparent FROM pg_inherits h
                          WHERE h.inhrelid = to_regclass(format('%I.%I', f.schema_name, parting._name(f.table_name, w.suffix)))::oid)), false))))
$$;
