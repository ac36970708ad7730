-- What is wrong with pgpart's partitions, one row per problem, and what parting.repair would
-- do about it (or why it will not). Read from the catalog wherever it can be, so it cannot
-- drift: parting.offline only says which detached tables are pgpart's. Empty on a healthy
-- install. Problems:
--   missing partition     a range root's partition in the premake window is missing
--   gap                   attached partitions of a range model leave a range no partition,
--                         detached or not, covers
--   missing member        a partition of one model of a family has no partner in another
--   orphan table          a table named and shaped like a partition, neither attached nor
--                         recorded as detached
--   misnamed partition    an attached partition not named as pgpart names its bounds
--   past retention        an attached partition all of whose rows are older than keep
--   missing foreign key   a dependent partition without its partition foreign key, or with
--   / foreign key         one that is not valid or points at another table
--   missing index         a partition without an index of the model (or with an invalid one)
--   missing bound check   a partition without the CHECK matching its bounds
--   forgotten table       a parting.offline record whose table is gone
--   rows in default       rows waiting in a default partition (how many, the oldest key)
--   stray rows            rows kept in parting.stray_<table> (no partition could take them)
--   tablespace            a table not where the config puts it (tablespace, a tier's,
--                         archiveTablespace, detachTablespace)
--   owner / grants        a partition with another owner than its parent, or fewer grants
--   config changed        parting.config differs from what the last install wrote
--   builds pending        an index the last `pgpart apply` left unbuilt on some partition
CREATE OR REPLACE FUNCTION parting.check()
RETURNS TABLE (model text, partition text, key text, problem text, detail text, fix text, repairable boolean)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
SET DateStyle = 'ISO, YMD'
SET jit = off
AS $$
DECLARE
  v_cfg parting.config;
  v_parent regclass;
  v_value text;
  v_suffix text;
  v_n bigint;
  v_oldest text;
  v_meta parting.meta;
  v_current text;
  v_tables jsonb;
  v_seen jsonb := '{}';
  v_default name := (SELECT t.spcname FROM pg_database d JOIN pg_tablespace t ON t.oid = d.dattablespace
                      WHERE d.datname = current_database());
BEGIN
  FOR v_cfg IN SELECT * FROM parting.config c ORDER BY c.root_model, c.family_order, c.model LOOP
    v_parent := to_regclass(format('%I.%I', v_cfg.schema_name, v_cfg.table_name));
    IF v_parent IS NULL THEN
      RETURN QUERY SELECT v_cfg.model, format('%I.%I', v_cfg.schema_name, v_cfg.table_name), NULL::text, 'missing table'::text,
                          'the model''s parent table is gone'::text, 'install again: install.sql makes it'::text, false;
      CONTINUE;
    END IF;
    -- The model's tables, read once (each query below would read them again: at thousands
    -- of partitions that is most of the cost), with their tablespace.
    v_tables := coalesce((SELECT jsonb_agg(jsonb_build_object('rel', t.rel::oid, 'relname', t.relname, 'suffix', t.suffix,
                                                              'lower', t.lower, 'upper', t.upper, 'is_default', t.is_default,
                                                              'state', t.state, 'spc', coalesce(ts.spcname, v_default)))
                            FROM parting._made_tables(v_cfg) t
                            JOIN pg_class r ON r.oid = t.rel
                            LEFT JOIN pg_tablespace ts ON ts.oid = r.reltablespace), '[]');
    v_seen := v_seen || jsonb_build_object(v_cfg.model, v_tables);

    -- The premake window of a range root.
    IF v_cfg.parent_model IS NULL AND v_cfg.strategy = 'range' THEN
      v_value := parting._current(v_cfg);
      FOR i IN 0 .. v_cfg.premake LOOP
        v_suffix := (parting._bound(v_cfg, v_value)).suffix;
        IF parting._offline_state(v_cfg, v_suffix) IS NULL
           AND NOT EXISTS (SELECT FROM pg_inherits h WHERE h.inhparent = v_parent
                              AND h.inhrelid = to_regclass(format('%I.%I', v_cfg.schema_name, parting._name(v_cfg.table_name, v_suffix)))) THEN
          RETURN QUERY SELECT v_cfg.model, parting._name(v_cfg.table_name, v_suffix), v_suffix, 'missing partition'::text,
                              format('within premake (%s ahead of the current one)', v_cfg.premake),
                              'create it (parting.ensure_partition)'::text, true;
        END IF;
        v_value := (parting._bound(v_cfg, v_value)).upper;
      END LOOP;

      -- Gaps between attached partitions that no detached one fills.
      RETURN QUERY
      WITH b AS (
        SELECT t.lower, t.upper,
               lead(t.lower) OVER (ORDER BY CASE WHEN v_cfg.key_type = 'integer' THEN t.lower::numeric END,
                                            CASE WHEN v_cfg.key_type = 'timestamptz' THEN t.lower::timestamptz END,
                                            CASE WHEN v_cfg.key_type IN ('timestamp', 'date') THEN t.lower::timestamp END) AS next_lower
          FROM jsonb_to_recordset(v_tables) AS t(rel regclass, relname text, suffix text, lower text, upper text, is_default boolean, state text, spc text) WHERE NOT t.is_default AND t.state <> 'filling')
      SELECT v_cfg.model, NULL::text, b.upper, 'gap'::text,
             format('no partition holds [%s, %s): its rows go to the default partition, or fail', b.upper, b.next_lower),
             'none: make the partitions of the gap with parting.ensure_partition, if it is not on purpose'::text, false
        FROM b WHERE b.next_lower IS NOT NULL AND b.upper IS DISTINCT FROM b.next_lower;
    END IF;

    -- Partitions named otherwise than pgpart names them: maintenance finds partitions by
    -- name (parting._attached_between), so it would not see them.
    RETURN QUERY
    SELECT v_cfg.model, t.rel::text, t.suffix, 'misnamed partition'::text,
           format('named %s; pgpart names the partition of these bounds %s, and maintenance looks for it by that name', t.relname, want.name),
           format('none: rename it (ALTER TABLE %s RENAME TO %I; ACCESS EXCLUSIVE for a moment)', t.rel, want.name), false
      FROM jsonb_to_recordset(v_tables) AS t(rel regclass, relname text, suffix text, lower text, upper text, is_default boolean, state text, spc text)
     CROSS JOIN LATERAL (SELECT CASE WHEN octet_length(v_cfg.table_name) + 1 + octet_length(t.suffix) <= 63
                                     THEN v_cfg.table_name || '_' || t.suffix ELSE parting._name(v_cfg.table_name, t.suffix) END AS name) want
     WHERE t.state = 'attached' AND NOT t.is_default AND v_cfg.strategy = 'range' AND t.relname <> want.name;

    -- Partitions past retention still attached: a retire that keeps failing (its history
    -- says why), or a family attached again by hand.
    IF v_cfg.parent_model IS NULL AND v_cfg.strategy = 'range' AND v_cfg.retention_keep IS NOT NULL THEN
      v_value := parting._cutoff(v_cfg, parting._current(v_cfg), v_cfg.retention_keep);
      RETURN QUERY
      SELECT v_cfg.model, t.rel::text, t.suffix, 'past retention'::text,
             format('all its rows are older than keep (%s), and it is still attached', v_cfg.retention_keep),
             'none here: run_maintenance retires it, oldest first; parting.history says why it has not (or detach_partition it)'::text, false
        FROM jsonb_to_recordset(v_tables) AS t(rel regclass, relname text, suffix text, lower text, upper text, is_default boolean, state text, spc text)
       WHERE t.state = 'attached' AND NOT t.is_default AND t.upper IS NOT NULL AND t.upper <> 'MAXVALUE'
         AND CASE WHEN v_cfg.key_type = 'integer' THEN t.upper::numeric <= v_value::numeric
                  WHEN v_cfg.key_type = 'timestamptz' THEN t.upper::timestamptz <= v_value::timestamptz
                  ELSE t.upper::timestamp <= v_value::timestamp END;
    END IF;

    -- Family members: each of the family's keys in every model.
    IF v_cfg.parent_model IS NOT NULL THEN
      RETURN QUERY
      SELECT v_cfg.model, parting._name(v_cfg.table_name, r.suffix), r.suffix, 'missing member'::text,
             format('%s has %s (%s), %s has no partition for it', r.model, r.relname, r.state, v_cfg.model),
             CASE WHEN r.state = 'attached' THEN 'create it, with its foreign key (parting.ensure_partition)'
                  ELSE 'none: the family is detached; attach it back or drop it whole' END,
             r.state = 'attached'
        FROM (SELECT t.*, v_cfg.parent_model AS model
                FROM jsonb_to_recordset(coalesce(v_seen -> v_cfg.parent_model, '[]'))
                     AS t(rel regclass, relname text, suffix text, lower text, upper text, is_default boolean, state text, spc text)) r
       WHERE NOT EXISTS (SELECT FROM jsonb_to_recordset(v_tables) AS m(suffix text) WHERE m.suffix = r.suffix);
    END IF;

    -- Tables that look like this model's partitions but that pgpart does not know.
    RETURN QUERY
    SELECT v_cfg.model, format('%I.%I', n.nspname, r.relname), NULL::text, 'orphan table'::text,
           format('named and shaped like a partition of %s, but neither attached nor recorded as detached', v_parent),
           format('none: attach it (ALTER TABLE %s ATTACH PARTITION …), or drop or rename it', v_parent), false
      FROM pg_class r JOIN pg_namespace n ON n.oid = r.relnamespace
     WHERE n.nspname IN (v_cfg.schema_name, v_cfg.archive_schema) AND r.relkind = 'r'
       AND left(r.relname, length(v_cfg.table_name) + 1) = v_cfg.table_name || '_'
       AND NOT EXISTS (SELECT FROM pg_inherits h WHERE h.inhrelid = r.oid)
       AND NOT EXISTS (SELECT FROM parting.offline o WHERE o.schema_name = n.nspname AND o.table_name = r.relname)
       AND NOT EXISTS (SELECT FROM parting.config c2 WHERE c2.schema_name = n.nspname AND c2.table_name = r.relname)
       AND ARRAY(SELECT (a.attname, a.atttypid) FROM pg_attribute a WHERE a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attname)
           = ARRAY(SELECT (a.attname, a.atttypid) FROM pg_attribute a WHERE a.attrelid = v_parent AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attname);

    -- Partition foreign keys of a dependent.
    IF v_cfg.parent_model IS NOT NULL THEN
      RETURN QUERY
      SELECT v_cfg.model, t.rel::text, t.suffix,
             CASE WHEN k.oid IS NULL THEN 'missing foreign key' ELSE 'foreign key' END,
             CASE WHEN k.oid IS NULL THEN format('no %s to %s', parting._name(t.relname, v_cfg.fk_tag), want.target)
                  WHEN k.confrelid IS DISTINCT FROM want.target THEN format('%s references %s, not %s', k.conname, k.confrelid::regclass, want.target)
                  ELSE format('%s is not valid', k.conname) END,
             CASE WHEN k.oid IS NULL THEN 'add it NOT VALID, then validate it'
                  WHEN k.confrelid IS DISTINCT FROM want.target THEN 'make it again, pointing at the parent''s partition of the same key'
                  ELSE 'validate it' END,
             want.target IS NOT NULL
        FROM jsonb_to_recordset(v_tables) AS t(rel regclass, relname text, suffix text, lower text, upper text, is_default boolean, state text, spc text)
        -- The parent model's table of the same key, whatever its state (read above).
        LEFT JOIN (SELECT p.rel AS target, p.suffix
                     FROM jsonb_to_recordset(coalesce(v_seen -> v_cfg.parent_model, '[]')) AS p(rel regclass, suffix text)) want
               ON want.suffix = t.suffix
        LEFT JOIN pg_constraint k ON k.conrelid = t.rel AND k.contype = 'f'
                                 AND k.conname = CASE WHEN octet_length(t.relname) + 1 + octet_length(v_cfg.fk_tag) <= 63
                                                      THEN t.relname || '_' || v_cfg.fk_tag ELSE parting._name(t.relname, v_cfg.fk_tag) END
       WHERE k.oid IS NULL OR NOT k.convalidated OR k.confrelid IS DISTINCT FROM want.target;
    END IF;

    -- Indexes of the model (plain and per-partition unique ones: keys are PostgreSQL's to keep).
    RETURN QUERY
    SELECT v_cfg.model, t.rel::text, t.suffix, 'missing index'::text,
           CASE WHEN x.indexrelid IS NULL THEN format('no %s (%s)', (CASE WHEN octet_length(t.relname) + 1 + octet_length(ix.tag) <= 63 THEN t.relname || '_' || ix.tag ELSE parting._name(t.relname, ix.tag) END), array_to_string(ix.columns, ', '))
                ELSE format('%s is not valid', (CASE WHEN octet_length(t.relname) + 1 + octet_length(ix.tag) <= 63 THEN t.relname || '_' || ix.tag ELSE parting._name(t.relname, ix.tag) END)) END,
           'build it (CREATE INDEX; SHARE on the table while it builds)'::text, true
      FROM jsonb_to_recordset(v_tables) AS t(rel regclass, relname text, suffix text, lower text, upper text, is_default boolean, state text, spc text)
     CROSS JOIN LATERAL jsonb_to_recordset(v_cfg.indexes) AS ix(kind text, columns text[], method text, tag text)
      LEFT JOIN pg_class c ON c.relnamespace = (SELECT rr.relnamespace FROM pg_class rr WHERE rr.oid = t.rel)
                          AND c.relname = (CASE WHEN octet_length(t.relname) + 1 + octet_length(ix.tag) <= 63 THEN t.relname || '_' || ix.tag ELSE parting._name(t.relname, ix.tag) END)
      LEFT JOIN pg_index x ON x.indexrelid = c.oid AND x.indrelid = t.rel
     WHERE ix.kind IN ('index', 'local_unique') AND (x.indexrelid IS NULL OR NOT x.indisvalid);

    -- Bound CHECKs (they let a detached partition come back without a scan).
    RETURN QUERY
    SELECT v_cfg.model, t.rel::text, t.suffix, 'missing bound check'::text,
           format('no valid %s CHECK (%s)', parting._name(t.relname, 'bound'), parting._bound_check(v_cfg, t.lower, t.upper)),
           'add it NOT VALID, then validate it'::text, true
      FROM jsonb_to_recordset(v_tables) AS t(rel regclass, relname text, suffix text, lower text, upper text, is_default boolean, state text, spc text)
     WHERE NOT t.is_default AND t.lower IS NOT NULL
       AND NOT EXISTS (SELECT FROM pg_constraint k WHERE k.conrelid = t.rel AND k.contype = 'c'
                          AND k.conname = CASE WHEN octet_length(t.relname) + 6 <= 63 THEN t.relname || '_bound' ELSE parting._name(t.relname, 'bound') END
                          AND k.convalidated);

    -- Owner and grants of each partition, against its parent's.
    RETURN QUERY
    SELECT v_cfg.model, t.rel::text, t.suffix, CASE WHEN r.relowner <> p.relowner THEN 'owner' ELSE 'grants' END,
           CASE WHEN r.relowner <> p.relowner THEN format('owned by %s, its parent by %s', r.relowner::regrole, p.relowner::regrole)
                ELSE format('lacks its parent''s grants: %s', missing.list) END,
           'give it its parent''s owner and grants'::text, true
      FROM jsonb_to_recordset(v_tables) AS t(rel regclass, relname text, suffix text, lower text, upper text, is_default boolean, state text, spc text)
      JOIN pg_class r ON r.oid = t.rel
      JOIN pg_class p ON p.oid = v_parent
     CROSS JOIN LATERAL (
       SELECT string_agg(format('%s to %s', a.privilege_type, CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE a.grantee::regrole::text END), ', ') AS list
         FROM aclexplode(p.relacl) a
        WHERE a.grantee <> p.relowner
          AND NOT EXISTS (SELECT FROM aclexplode(r.relacl) b WHERE b.grantee = a.grantee AND b.privilege_type = a.privilege_type)) missing
     WHERE t.state IN ('attached', 'detached', 'filling') AND (r.relowner <> p.relowner OR missing.list IS NOT NULL);

    -- Tablespaces the config asks for: tablespace for attached partitions (the tier's,
    -- once one applies), archiveTablespace, detachTablespace.
    v_current := CASE WHEN v_cfg.strategy = 'range' THEN parting._current(parting._model(v_cfg.root_model)) END;
    RETURN QUERY
    SELECT v_cfg.model, t.rel::text, t.suffix, 'tablespace'::text,
           format('in %s, the config puts it in %s (%s)', t.spc, want.spc, want.why),
           format('none: a move rewrites it under ACCESS EXCLUSIVE; run SELECT * FROM parting.set_tablespace(%L, %L, %L) (or pgpart move … --online)',
                  v_cfg.root_model, CASE WHEN t.is_default THEN 'default' ELSE t.lower END, want.spc),
           false
      FROM jsonb_to_recordset(v_tables) AS t(rel regclass, relname text, suffix text, lower text, upper text, is_default boolean, state text, spc text)
     CROSS JOIN LATERAL (
       SELECT x.spc, x.why FROM (
         SELECT CASE WHEN t.state = 'archived' THEN v_cfg.archive_tablespace
                     WHEN t.state = 'detached' THEN v_cfg.detach_tablespace
                     WHEN t.state = 'attached' THEN coalesce(tier.spc, v_cfg.tablespace) END AS spc,
                CASE WHEN t.state = 'archived' THEN 'archiveTablespace'
                     WHEN t.state = 'detached' THEN 'detachTablespace'
                     WHEN tier.spc IS NOT NULL THEN format('tier moveAfter %s', tier.after)
                     ELSE 'tablespace' END AS why
           FROM (SELECT NULL) one
           LEFT JOIN LATERAL (
             SELECT e.tier ->> 'tablespace' AS spc, e.tier ->> 'move_after' AS after
               FROM jsonb_array_elements(v_cfg.tiers) WITH ORDINALITY AS e(tier, i)
              WHERE t.state = 'attached' AND NOT t.is_default AND t.upper IS NOT NULL AND t.upper <> 'MAXVALUE'
                AND parting._ord(v_cfg, t.upper) <= parting._ord(v_cfg, parting._cutoff(v_cfg, v_current, e.tier ->> 'move_after'))
              ORDER BY e.i DESC LIMIT 1) tier ON true) x) want
     WHERE want.spc IS NOT NULL AND t.spc IS DISTINCT FROM want.spc;

    -- Rows waiting in the default partition, and rows put aside.
    IF EXISTS (SELECT FROM jsonb_to_recordset(v_tables) AS t(is_default boolean) WHERE t.is_default) AND v_cfg.parent_model IS NULL THEN
      EXECUTE format('SELECT count(*), min(%I)::text FROM (SELECT %I FROM %I.%I LIMIT 100001) s', v_cfg.key_column, v_cfg.key_column,
                     v_cfg.schema_name, parting._name(v_cfg.table_name, 'default'))
         INTO v_n, v_oldest;
      IF v_n > 0 THEN
        RETURN QUERY SELECT v_cfg.model, parting._name(v_cfg.table_name, 'default'), v_oldest, 'rows in default'::text,
                            format('%s%s row(s), the oldest key %s', CASE WHEN v_n > 100000 THEN 'over ' ELSE '' END,
                                   least(v_n, 100000), v_oldest),
                            'none here: run_maintenance moves those within premake; ensure_partition(key) for the others'::text, false;
      END IF;
    END IF;
    IF to_regclass(format('parting.%I', parting._name('stray', v_cfg.table_name))) IS NOT NULL THEN
      EXECUTE format('SELECT count(*) FROM parting.%I', parting._name('stray', v_cfg.table_name)) INTO v_n;
      IF v_n > 0 THEN
        RETURN QUERY SELECT v_cfg.model, format('parting.%I', parting._name('stray', v_cfg.table_name)), NULL::text, 'stray rows'::text,
                            format('%s row(s) no partition could take (their parent row was elsewhere)', v_n),
                            'none: look at them, and put them back or delete them by hand'::text, false;
      END IF;
    END IF;
  END LOOP;

  -- Records of detached tables that are gone.
  RETURN QUERY
  SELECT o.model, format('%I.%I', o.schema_name, o.table_name), o.suffix, 'forgotten table'::text,
         format('parting.offline says %s, but the table is gone (dropped by hand?)', o.state),
         'forget the record'::text, true
    FROM parting.offline o
   WHERE to_regclass(format('%I.%I', o.schema_name, o.table_name)) IS NULL;

  -- The install's own records.
  SELECT * INTO v_meta FROM parting.meta;
  IF v_meta.config_rows_hash IS DISTINCT FROM parting._config_rows_hash() THEN
    RETURN QUERY SELECT NULL::text, NULL::text, NULL::text, 'config changed'::text,
                        'parting.config differs from what the last install wrote (changed by hand?)'::text,
                        'none: install again (psql -f install.sql) to put the config back'::text, false;
  END IF;
  IF v_meta.pending_hash IS NOT NULL THEN
    RETURN QUERY SELECT NULL::text, NULL::text, NULL::text, 'builds pending'::text,
                        'the last pgpart apply left index copies or foreign-key validations to do'::text,
                        'none here: run pgpart apply again (or psql -f install.sql)'::text, false;
  END IF;
END;
$$;

COMMENT ON FUNCTION parting.check() IS
$c$Every problem of pgpart's partitions, one row each, read from the catalog: missing partitions, gaps, missing family members, orphan tables, missing or invalid foreign keys, indexes and bound checks, forgotten records, rows in default partitions, stray rows, tablespaces, owners and grants, a config changed by hand, builds pending; with the fix parting.repair() would make, or why it will not.$c$;
