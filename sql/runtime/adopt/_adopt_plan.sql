-- What adopting one family would do, and what it refuses: the family's root model has a
-- plain (unpartitioned) table; its dependents' tables are plain tables referencing their
-- parent by an ordinary foreign key, or do not exist yet. One row per fact, in the order
-- the adoption meets them; a row with `refused` set is a reason adoption cannot start.
-- Reads the catalog, the statistics, min/max of the root's key (an index scan when the key
-- is indexed) and, where a column may hold NULLs, whether one does; ACCESS SHARE only.
-- `pgpart plan` prints these rows under the refusal of the install, and adopt_start refuses
-- on the first refused row: one judgement for both.
CREATE OR REPLACE FUNCTION parting._adopt_plan(p_desired jsonb, p_root text, p_search_path text)
RETURNS TABLE (model text, item text, detail text, refused text)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_members jsonb[] := ARRAY(SELECT m FROM jsonb_array_elements(p_desired -> 'models') m
                              WHERE m #>> '{config,root_model}' = p_root
                              ORDER BY (m #>> '{config,family_order}')::integer, m #>> '{config,model}');
  v_m jsonb;
  v_cfg parting.config;
  v_root parting.config;
  v_pcfg parting.config;
  v_rel regclass;
  v_prel regclass;
  v_rels regclass[] := '{}';
  v_kind "char";
  v_tuples double precision;
  v_c record;
  v_n bigint;
  v_min text;
  v_max text;
  v_lo text;
  v_b record;
  v_d text;
  v_parts integer := 0;
  v_first text;
  v_last text;
  v_hist text[];
  v_null_frac real;
  v_key_type text;
  v_key_len integer;
  v_disk bigint := 0;
  v_extra bigint := 0;
  v_at text;
  v_done boolean;
  v_temp regclass;
BEGIN
  IF cardinality(v_members) = 0 THEN
    RAISE EXCEPTION 'pgpart adopt: no model "%" in the config', p_root USING ERRCODE = 'invalid_parameter_value';
  END IF;
  v_root := parting._config_row(v_members[1] -> 'config');

  FOREACH v_m IN ARRAY v_members LOOP
    v_cfg := parting._config_row(v_m -> 'config');
    v_at := format('models.%s', v_cfg.model);
    v_rel := to_regclass(format('%I.%I', v_cfg.schema_name, v_cfg.table_name));
    SELECT r.relkind, r.reltuples INTO v_kind, v_tuples FROM pg_class r WHERE r.oid = v_rel;
    IF v_rel IS NULL THEN
      IF v_cfg.parent_model IS NULL THEN
        RETURN QUERY SELECT v_cfg.model, 'table', NULL::text,
          format('%s: table %I.%I does not exist: nothing to adopt (the install makes it)', v_at, v_cfg.schema_name, v_cfg.table_name);
        RETURN;
      END IF;
      RETURN QUERY SELECT v_cfg.model, 'new table',
        format('%I.%I does not exist: made empty, partitioned in lockstep with %s', v_cfg.schema_name, v_cfg.table_name, v_cfg.parent_model), NULL::text;
      CONTINUE;
    END IF;
    IF v_kind <> 'r' THEN
      RETURN QUERY SELECT v_cfg.model, 'table', NULL::text,
        format('%s: %s is %s, not a plain table: adoption takes a family whose tables are plain tables%s', v_at, v_rel,
               CASE v_kind WHEN 'p' THEN 'already partitioned' WHEN 'v' THEN 'a view' WHEN 'm' THEN 'a materialized view'
                           WHEN 'f' THEN 'a foreign table' ELSE 'not a table' END,
               CASE WHEN v_kind = 'p' THEN format(' (a partitioned %s is the install''s: `pgpart plan` says what it would change)', v_rel) ELSE '' END);
      CONTINUE;
    END IF;
    v_rels := v_rels || v_rel;
    v_disk := v_disk + pg_total_relation_size(v_rel);
    RETURN QUERY SELECT v_cfg.model, 'table',
      format('%s: a plain table, %s rows (statistics), %s: becomes a table partitioned by %s (%s)%s', v_rel,
             CASE WHEN v_tuples < 0 THEN 'unknown' ELSE to_char(v_tuples, 'FM999,999,999,999,990') END,
             pg_size_pretty(pg_total_relation_size(v_rel)), v_cfg.strategy, v_cfg.key_column,
             CASE WHEN v_cfg.parent_model IS NULL THEN '' ELSE format(', in lockstep with %s', v_cfg.parent_model) END), NULL::text;

    IF NOT EXISTS (SELECT FROM pg_constraint k WHERE k.conrelid = v_rel AND k.contype = 'p') THEN
      RETURN QUERY SELECT v_cfg.model, 'primary key', NULL::text,
        format('%s: %s has no primary key: adoption copies rows and follows their updates by it; add one (ALTER TABLE %s ADD PRIMARY KEY (...)), then plan again',
               v_at, v_rel, v_rel);
    END IF;

    -- Columns: the config's (read by PostgreSQL from a temporary table) against the table's.
    v_temp := parting._desired_table(v_m, p_search_path);
    FOR v_c IN
      WITH d AS (
        SELECT a.attname::text AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attidentity::text AS ident, a.attgenerated::text AS gen
          FROM pg_attribute a WHERE a.attrelid = v_temp AND a.attnum > 0 AND NOT a.attisdropped),
      r AS (
        SELECT a.attname::text AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attidentity::text AS ident, a.attgenerated::text AS gen,
               a.attnotnull AS notnull
          FROM pg_attribute a WHERE a.attrelid = v_rel AND a.attnum > 0 AND NOT a.attisdropped)
      SELECT coalesce(d.name, r.name) AS name, d.name IS NOT NULL AS wanted, r.name IS NOT NULL AS present,
             d.type AS want_type, r.type AS have_type, d.ident AS want_ident, r.ident AS have_ident,
             d.gen AS want_gen, r.gen AS have_gen, r.notnull
        FROM d FULL JOIN r ON r.name = d.name
       ORDER BY 1
    LOOP
      IF v_c.wanted AND NOT v_c.present THEN
        IF v_cfg.parent_model IS NOT NULL AND v_c.name = v_cfg.key_column AND NOT v_c.name = ANY (v_cfg.fk_columns) THEN
          v_pcfg := parting._config_row((SELECT m -> 'config' FROM unnest(v_members) m WHERE m #>> '{config,model}' = v_cfg.parent_model));
          RETURN QUERY SELECT v_cfg.model, 'add column',
            format('%s gains %I %s, filled from %s.%I through (%s) as rows are copied', v_rel, v_c.name, v_c.want_type,
                   v_pcfg.table_name, v_pcfg.key_column, array_to_string(v_cfg.fk_columns, ', ')), NULL::text;
          v_key_len := CASE WHEN v_c.want_type IN ('integer', 'date') THEN 4 WHEN v_c.want_type = 'smallint' THEN 2
                            WHEN v_c.want_type = 'text' THEN 16 ELSE 8 END;
          v_extra := v_extra + greatest(v_tuples, 0)::bigint * v_key_len;
        ELSE
          RETURN QUERY SELECT v_cfg.model, 'column', NULL::text,
            format('%s.columns.%s: %s has no column %I: add it to the table (ALTER TABLE %s ADD COLUMN %I %s) or take it out of the config, then plan again',
                   v_at, v_c.name, v_rel, v_c.name, v_rel, v_c.name, v_c.want_type);
        END IF;
      ELSIF v_c.present AND NOT v_c.wanted THEN
        RETURN QUERY SELECT v_cfg.model, 'column', NULL::text,
          format('%s.columns: %s has a column %I (%s) the config does not name: add %s: ''%s'' to the model (adoption copies every column, and the install would drop none)',
                 v_at, v_rel, v_c.name, v_c.have_type, v_c.name, v_c.have_type);
      ELSIF v_c.want_type <> v_c.have_type THEN
        RETURN QUERY SELECT v_cfg.model, 'column', NULL::text,
          format('%s.columns.%s: %s.%I is %s, the config says %s: make the config say %s (adoption copies values, it does not convert them)',
                 v_at, v_c.name, v_rel, v_c.name, v_c.have_type, v_c.want_type, v_c.have_type);
      ELSIF v_c.want_ident <> v_c.have_ident OR v_c.want_gen <> v_c.have_gen THEN
        RETURN QUERY SELECT v_cfg.model, 'column', NULL::text,
          format('%s.columns.%s: %s.%I is %s, the config says %s: make the config say what the table has', v_at, v_c.name, v_rel, v_c.name,
                 CASE v_c.have_ident WHEN 'a' THEN 'generated always as identity' WHEN 'd' THEN 'generated by default as identity'
                      ELSE CASE WHEN v_c.have_gen = 's' THEN 'a generated column' ELSE 'not an identity' END END,
                 CASE v_c.want_ident WHEN 'a' THEN 'generated always as identity' WHEN 'd' THEN 'generated by default as identity'
                      ELSE CASE WHEN v_c.want_gen = 's' THEN 'a generated column' ELSE 'not an identity' END END);
      ELSIF NOT v_c.notnull AND (v_c.name = v_cfg.key_column OR v_c.name = ANY (coalesce(v_cfg.fk_columns, '{}'))) THEN
        -- A row without a key has no partition; a dependent's row without a parent has no key.
        EXECUTE format('SELECT count(*) FROM %s WHERE %I IS NULL', v_rel, v_c.name) INTO v_n;
        IF v_n > 0 THEN
          RETURN QUERY SELECT v_cfg.model, 'column', NULL::text,
            format('%s: %s has %s row(s) with %I NULL: %s; give them a value or delete them, then plan again', v_at, v_rel, v_n, v_c.name,
                   CASE WHEN v_c.name = v_cfg.key_column THEN 'no partition could hold them'
                        ELSE format('they have no %s row, so no key to be partitioned by', v_cfg.parent_model) END);
        ELSE
          -- None now, but a writer may make one while the family is copied: the new tables
          -- could not hold that row, and verify, reading a dependent's key through its
          -- parent, would not see it on either side, so the swap would lose it.
          RETURN QUERY SELECT v_cfg.model, 'column', NULL::text,
            format('%s: %s.%I allows NULL: a row written with it NULL while the family is copied would have %s, and the new tables could not hold it; '
                   'make it NOT NULL (ALTER TABLE %s ADD CONSTRAINT %I CHECK (%I IS NOT NULL) NOT VALID, then VALIDATE CONSTRAINT %I, '
                   'then ALTER COLUMN %I SET NOT NULL, which the validated check makes quick), then plan again',
                   v_at, v_rel, v_c.name,
                   CASE WHEN v_c.name = v_cfg.key_column THEN 'no partition'
                        ELSE format('no %s row, so no key to be partitioned by', v_cfg.parent_model) END,
                   v_rel, v_c.name || '_not_null', v_c.name, v_c.name || '_not_null', v_c.name);
        END IF;
      END IF;
    END LOOP;

    -- ON DELETE SET NULL while the old tables are live: a parent deleted during the copy
    -- nulls its dependents' foreign key in the old table, and a dependent row not copied yet
    -- has then no parent to take its key from, so no partition of the new family could hold
    -- it (the writer's DELETE would fail in the capture trigger). Refused, with the way round.
    IF v_cfg.parent_model IS NOT NULL AND v_cfg.on_delete = 'set null' THEN
      RETURN QUERY SELECT v_cfg.model, 'foreign key', NULL::text,
        format('%s.partitionForeignKey.onDelete: ''set null'' cannot be adopted online: a %s row deleted during the copy would leave %s rows '
               'with no key to be partitioned by. Adopt with onDelete ''no action'' (or ''restrict'', ''cascade''), then set ''set null'' '
               'and install: the install re-makes the foreign keys NOT VALID and validates them', v_at, v_cfg.parent_model, v_cfg.model);
    END IF;

    -- A dependent's path to its key: an ordinary foreign key to its parent's table.
    IF v_cfg.parent_model IS NOT NULL THEN
      v_pcfg := parting._config_row((SELECT m -> 'config' FROM unnest(v_members) m WHERE m #>> '{config,model}' = v_cfg.parent_model));
      v_prel := to_regclass(format('%I.%I', v_pcfg.schema_name, v_pcfg.table_name));
      SELECT k.conname::text AS name, k.convalidated AS valid INTO v_c
        FROM pg_constraint k
       WHERE k.contype = 'f' AND k.conrelid = v_rel AND k.confrelid = v_prel
         AND ARRAY(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY u(n, i) JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n ORDER BY u.i)
             = v_cfg.fk_columns
         AND ARRAY(SELECT a.attname::text FROM unnest(k.confkey) WITH ORDINALITY u(n, i) JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n ORDER BY u.i)
             = v_cfg.ref_columns
       LIMIT 1;
      IF v_c.name IS NULL OR NOT v_c.valid THEN
        RETURN QUERY SELECT v_cfg.model, 'foreign key', NULL::text,
          format('%s.partitionForeignKey: %s has no %sforeign key (%s) REFERENCES %s (%s), so nothing says each of its rows has a %s row to take the key from: '
                 'add it (ALTER TABLE %s ADD FOREIGN KEY (%s) REFERENCES %s (%s) NOT VALID, then VALIDATE CONSTRAINT), then plan again',
                 v_at, v_rel, CASE WHEN v_c.name IS NULL THEN '' ELSE 'validated ' END, array_to_string(v_cfg.fk_columns, ', '), v_prel,
                 array_to_string(v_cfg.ref_columns, ', '), v_cfg.parent_model, v_rel, array_to_string(v_cfg.fk_columns, ', '), v_prel,
                 array_to_string(v_cfg.ref_columns, ', '));
      ELSE
        RETURN QUERY SELECT v_cfg.model, 'foreign key',
          format('%s %s (%s) → %s (%s): stays on the old table; each new %s partition references the %s partition of its key',
                 v_rel, v_c.name, array_to_string(v_cfg.fk_columns, ', '), v_prel, array_to_string(v_cfg.ref_columns, ', '),
                 v_cfg.table_name, v_pcfg.table_name), NULL::text;
      END IF;
    END IF;

    -- Views over the table follow it by oid: each is made again over the new table at the swap.
    RETURN QUERY
      SELECT v_cfg.model, 'view',
             CASE WHEN v.relkind = 'v' THEN format('view %s reads %s: made again over the new table at the swap (CREATE OR REPLACE VIEW, same columns and grants)', v.oid::regclass, v_rel) END,
             CASE WHEN v.relkind <> 'v' THEN format('%s: materialized view %s reads %s: drop it before adopting and make it again after the swap', v_at, v.oid::regclass, v_rel) END
        FROM (SELECT DISTINCT c.oid, c.relkind FROM pg_depend d JOIN pg_rewrite w ON w.oid = d.objid JOIN pg_class c ON c.oid = w.ev_class
               WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass AND d.refobjid = v_rel AND c.oid <> v_rel) v
       ORDER BY v.oid::regclass::text;
    -- Triggers of the user's are not carried over: the new table would miss them.
    RETURN QUERY
      SELECT v_cfg.model, 'trigger', NULL::text,
             format('%s: %s has trigger %I: adoption does not carry triggers over; drop it (and make it again on the new table after the swap), then plan again',
                    v_at, v_rel, t.tgname)
        FROM pg_trigger t WHERE t.tgrelid = v_rel AND NOT t.tgisinternal AND t.tgname NOT LIKE 'pgpart_adopt%'
       ORDER BY t.tgname;
  END LOOP;

  -- Foreign keys into the family from tables outside it: a partitioned table's unique keys
  -- include its partition key, so such a table must carry the key column to reference it.
  RETURN QUERY
    WITH o AS (
      SELECT k.conname::text AS name, k.conrelid::regclass AS src, k.confrelid::regclass AS dst,
             ARRAY(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY u(n, i) JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n ORDER BY u.i) AS cols,
             ARRAY(SELECT a.attname::text FROM unnest(k.confkey) WITH ORDINALITY u(n, i) JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n ORDER BY u.i) AS refcols,
             (SELECT m FROM unnest(v_members) m WHERE to_regclass(format('%I.%I', m #>> '{config,schema_name}', m #>> '{config,table_name}')) = k.confrelid) AS target
        FROM pg_constraint k
       WHERE k.contype = 'f' AND k.confrelid = ANY (v_rels) AND NOT k.conrelid = ANY (v_rels)),
    o2 AS (
      SELECT o.*, o.target #>> '{config,model}' AS tmodel, o.target #>> '{config,key_column}' AS tkey,
             format('%s_%s', o.target #>> '{config,table_name}', o.target #>> '{config,key_column}') AS carry
        FROM o)
    SELECT o2.tmodel, 'outside reference',
           CASE WHEN a.attname IS NOT NULL THEN
             format('%s %s (%s) → %s (%s): re-pointed to the new %s as (%s, %I) → (%s, %I), NOT VALID at the swap, validated after',
                    o2.src, o2.name, array_to_string(o2.cols, ', '), o2.dst, array_to_string(o2.refcols, ', '), o2.dst,
                    array_to_string(o2.cols, ', '), o2.carry, array_to_string(o2.refcols, ', '), o2.tkey) END,
           CASE WHEN a.attname IS NULL THEN
             format('%s references %s (%s) by %s: once %s is partitioned, its unique keys include %s, so %s must carry that column too: '
                    'make it a model in lockstep (partitionForeignKey: { column: %L, references: %L }), or give it a column %I (the type of %s.%I) '
                    'filled from %s, and plan again',
                    o2.src, o2.dst, array_to_string(o2.refcols, ', '), o2.name, o2.dst, o2.tkey, o2.src,
                    array_to_string(o2.cols, ', '), o2.tmodel, o2.carry, o2.dst, o2.tkey, o2.dst) END
      FROM o2 LEFT JOIN pg_attribute a ON a.attrelid = o2.src AND a.attname = o2.carry AND NOT a.attisdropped
     ORDER BY o2.src::text, o2.name;

  -- The key range of the data, and the partitions that cover it.
  v_rel := to_regclass(format('%I.%I', v_root.schema_name, v_root.table_name));
  IF NOT v_rel = ANY (v_rels) THEN
    RETURN;
  END IF;
  SELECT format_type(a.atttypid, a.atttypmod) INTO v_key_type FROM pg_attribute a
   WHERE a.attrelid = v_rel AND a.attname = v_root.key_column AND NOT a.attisdropped;
  SELECT (s.histogram_bounds::text)::text[], s.null_frac INTO v_hist, v_null_frac
    FROM pg_stats s JOIN pg_class c ON c.relname = s.tablename JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = s.schemaname
   WHERE c.oid = v_rel AND s.attname = v_root.key_column AND NOT s.inherited;
  SELECT r.reltuples INTO v_tuples FROM pg_class r WHERE r.oid = v_rel;

  IF v_root.strategy = 'range' THEN
    EXECUTE format('SELECT to_jsonb(min(%1$I)) #>> ''{}'', to_jsonb(max(%1$I)) #>> ''{}'' FROM %2$s', v_root.key_column, v_rel) INTO v_min, v_max;
    IF v_min IS NULL THEN
      RETURN QUERY SELECT v_root.model, 'key range', format('%s has no rows: no partitions to make beyond the install''s', v_rel), NULL::text;
    ELSE
      RETURN QUERY SELECT v_root.model, 'key range', format('%s from %s to %s', v_root.key_column, v_min, v_max), NULL::text;
      v_lo := parting._canonical(v_root, v_min);
      LOOP
        v_b := parting._bound(v_root, v_lo);
        v_parts := v_parts + 1;
        v_first := coalesce(v_first, parting._name(v_root.table_name, v_b.suffix));
        v_last := parting._name(v_root.table_name, v_b.suffix);
        IF v_parts <= 10000 THEN
          -- Rows per partition from the histogram of the key: its share of the bounds that fall in it.
          IF v_hist IS NOT NULL AND v_tuples >= 0 THEN
            EXECUTE format('SELECT count(*) FILTER (WHERE b::%1$s >= $1::%1$s AND ($2 = ''MAXVALUE'' OR b::%1$s < $2::%1$s)) FROM unnest($3) b', v_key_type)
              INTO v_n USING v_b.lower, v_b.upper, v_hist;
            v_n := round(v_n::numeric / greatest(cardinality(v_hist) - 1, 1) * v_tuples * (1 - coalesce(v_null_frac, 0)));
          ELSE
            v_n := NULL;
          END IF;
          RETURN QUERY SELECT v_root.model, 'partition',
            format('%s [%s, %s): %s', v_last, v_b.lower, v_b.upper,
                   CASE WHEN v_n IS NULL THEN 'rows unknown (no statistics: ANALYZE ' || v_rel::text || ')'
                        ELSE format('~%s rows (statistics)', to_char(v_n, 'FM999,999,999,999,990')) END), NULL::text;
        END IF;
        EXECUTE format('SELECT $1 = ''MAXVALUE'' OR $1::%1$s > $2::%1$s', v_key_type) INTO STRICT v_done USING v_b.upper, v_max;
        EXIT WHEN v_done;
        v_lo := v_b.upper;
      END LOOP;
    END IF;
  ELSE
    FOR v_d IN EXECUTE format('SELECT DISTINCT %1$I::text FROM %2$s WHERE %1$I IS NOT NULL ORDER BY 1', v_root.key_column, v_rel) LOOP
      v_parts := v_parts + 1;
      v_last := parting._name(v_root.table_name, (parting._bound(v_root, parting._canonical(v_root, v_d))).suffix);
      v_first := coalesce(v_first, v_last);
      RETURN QUERY SELECT v_root.model, 'partition', format('%s: key %L', v_last, v_d), NULL::text;
    END LOOP;
  END IF;
  IF v_parts > 0 THEN
    RETURN QUERY SELECT v_root.model, 'partitions',
      format('%s partition(s) per model, %s … %s, made in the shadow family before the copy%s', v_parts, v_first, v_last,
             CASE WHEN cardinality(v_members) > 1
                  THEN format(' (with %s)', (SELECT string_agg(m #>> '{config,table_name}', ', ') FROM unnest(v_members[2:]) m)) ELSE '' END), NULL::text;
  END IF;
  RETURN QUERY SELECT v_root.model, 'disk',
    format('about %s more while adopting: a copy of the family''s tables and indexes (%s)%s; the old tables are kept until `pgpart adopt %s --finish`',
           pg_size_pretty(v_disk + v_extra), pg_size_pretty(v_disk),
           CASE WHEN v_extra > 0 THEN format(' and the dependents'' key columns (%s)', pg_size_pretty(v_extra)) ELSE '' END, v_root.model), NULL::text;
END;
$$;
