-- The column changes that make an existing model's parent table, and every table of its
-- family (parting._model_tables), match the config: add a column, change or drop its
-- default, drop its NOT NULL, drop a column the config names in drop.columns, and, on a
-- family without partitions, anything else. What would lose data or rewrite every
-- partition under ACCESS EXCLUSIVE is refused instead, with what to do: a column the
-- config lost (unless named in drop.columns), a type change, NOT NULL on a column that has
-- rows, a NOT NULL column without a default where rows exist, identity or serial columns
-- added to existing partitions, a changed generation expression or identity.
--
-- Each change is one ALTER TABLE on the parent (PostgreSQL applies it to every attached
-- partition) and one on each table no parent holds (detached, filling) and on the archive
-- table (which applies it to the archived partitions): ACCESS EXCLUSIVE on all of them for
-- a catalog-only change, except where noted as a rewrite.
-- p_rels and p_kinds: the family's tables and their kinds (parting._model_tables, read once
-- per model by parting._changes). The locks are listed only once a column differs.
CREATE OR REPLACE FUNCTION parting._change_columns(p_m jsonb, p_cfg parting.config, p_parent regclass, p_temp regclass,
                                                   p_drop text[], p_rels regclass[], p_kinds text[])
RETURNS SETOF parting.change
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_at text := format('models.%s.columns', p_cfg.model);
  v_targets regclass[];
  v_locks jsonb;
  v_lock_text text;
  v_counts text;
  v_c record;
  v_def text;
  v_rewrite text;
  v_keys text[];
  v_has_partitions boolean := coalesce(cardinality(p_rels), 0) > 0;
BEGIN
  -- Where each change goes, and what it locks.
  v_targets := ARRAY[p_parent] || ARRAY(SELECT t.rel FROM unnest(p_rels, p_kinds) AS t(rel, kind) WHERE t.kind IN ('offline', 'archive'));
  SELECT format('%s partition(s)%s%s', count(*) FILTER (WHERE kind = 'partition'),
                CASE WHEN count(*) FILTER (WHERE kind = 'offline') > 0 THEN format(', %s detached', count(*) FILTER (WHERE kind = 'offline')) ELSE '' END,
                CASE WHEN count(*) FILTER (WHERE kind = 'archived') > 0 THEN format(', %s archived', count(*) FILTER (WHERE kind = 'archived')) ELSE '' END)
    INTO v_counts FROM unnest(p_kinds) AS t(kind);
  v_lock_text := format('ACCESS EXCLUSIVE on %s and its %s', p_parent, v_counts);
  -- Columns no change may touch while partitions exist: the key, the primary key and the
  -- partition foreign key (their partitions' constraints and bounds depend on them).
  v_keys := ARRAY[p_cfg.key_column] || coalesce(p_cfg.fk_columns, '{}')
            || ARRAY(SELECT jsonb_array_elements_text(k -> 'columns') FROM jsonb_array_elements(p_m -> 'constraints') k);

  FOR v_c IN
    WITH d AS (
      SELECT a.attname::text AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attcollation AS coll, a.attnotnull AS notnull,
             a.attidentity::text AS ident, a.attgenerated::text AS gen, pg_get_expr(ad.adbin, ad.adrelid) AS expr
        FROM pg_attribute a LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
       WHERE a.attrelid = p_temp AND a.attnum > 0 AND NOT a.attisdropped),
    r AS (
      SELECT a.attname::text AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attcollation AS coll, a.attnotnull AS notnull,
             a.attidentity::text AS ident, a.attgenerated::text AS gen, pg_get_expr(ad.adbin, ad.adrelid) AS expr, a.attnum
        FROM pg_attribute a LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
       WHERE a.attrelid = p_parent AND a.attnum > 0 AND NOT a.attisdropped)
    SELECT coalesce(d.name, r.name) AS name, x.col, x.n,
           d.name IS NOT NULL AS wanted, r.name IS NOT NULL AS present,
           d.type AS want_type, r.type AS have_type, d.coll AS want_coll, r.coll AS have_coll,
           d.notnull AS want_notnull, r.notnull AS have_notnull, d.ident AS want_ident, r.ident AS have_ident,
           d.gen AS want_gen, r.gen AS have_gen, d.expr AS want_expr, r.expr AS have_expr
      FROM d FULL JOIN r ON r.name = d.name
      LEFT JOIN LATERAL (SELECT c, n FROM jsonb_array_elements(p_m -> 'columns') WITH ORDINALITY AS j(c, n)
                          WHERE c ->> 'name' = coalesce(d.name, r.name)) AS x(col, n) ON true
     ORDER BY x.n NULLS LAST, r.attnum
  LOOP
    -- A column the same in both: nothing to do (the cases below that return nothing).
    CONTINUE WHEN v_c.wanted AND v_c.present AND v_c.want_type = v_c.have_type AND v_c.want_coll = v_c.have_coll
                  AND v_c.want_ident = v_c.have_ident AND v_c.want_gen = v_c.have_gen AND v_c.want_notnull = v_c.have_notnull
                  AND (v_c.want_expr IS NOT DISTINCT FROM v_c.have_expr
                       OR (v_c.want_gen = '' AND (v_c.want_ident <> '' OR (v_c.col ->> 'serial')::boolean)));
    -- Every table of the family, ACCESS EXCLUSIVE: listed once, when a change needs it.
    IF v_locks IS NULL THEN
      v_locks := parting._locks(ARRAY[p_parent] || p_rels, 'ACCESS EXCLUSIVE');
    END IF;
    v_def := v_c.col ->> 'definition';
    IF v_c.wanted AND NOT v_c.present THEN
      -- Added to the config.
      IF v_has_partitions AND ((v_c.col ->> 'identity')::boolean OR (v_c.col ->> 'serial')::boolean) THEN
        RETURN NEXT parting._refusal(p_cfg.model, 'add column', v_c.name,
          format('%s.%s: an identity or serial column cannot be added to a model that has partitions (each detached or archived '
                 'table would get a sequence of its own); add it as a plain column (bigint) and fill it yourself', v_at, v_c.name));
      ELSIF v_c.want_notnull AND v_c.want_expr IS NULL AND v_c.want_ident = '' AND parting._has_rows(v_targets) THEN
        RETURN NEXT parting._refusal(p_cfg.model, 'add column', v_c.name,
          format('%s.%s is NOT NULL without a default, and %s has rows, which would have no value: give it a default, or make it nullable',
                 v_at, v_c.name, p_parent));
      ELSE
        v_rewrite := CASE WHEN v_c.want_gen = 's' THEN 'stored generated: rewrites every partition'
                          WHEN v_c.want_expr IS NOT NULL AND parting._volatile(v_c.want_expr) THEN 'volatile default: rewrites every partition'
                          ELSE 'catalog only' END;
        RETURN NEXT parting._change(p_cfg.model, 'add column', v_c.name, format('%s %s (%s)', v_c.name, v_def, v_rewrite),
          v_locks, v_lock_text,
          ARRAY(SELECT format('ALTER TABLE %s ADD COLUMN %I %s', t, v_c.name, v_def) FROM unnest(v_targets) AS t)
            || ARRAY(SELECT format('CALL parting._not_null_names(%L)', t) FROM unnest(v_targets) AS t WHERE v_c.want_notnull));
      END IF;
    ELSIF NOT v_c.wanted THEN
      -- In the table, not in the config.
      IF v_c.name = ANY (p_drop) AND v_c.name = ANY (v_keys) THEN
        RETURN NEXT parting._refusal(p_cfg.model, 'drop column', v_c.name,
          format('drop.columns.%s names "%s", which is part of the partition key, the primary key or the partition foreign key: it cannot be dropped',
                 p_cfg.model, v_c.name));
      ELSIF v_c.name = ANY (p_drop) THEN
        RETURN NEXT parting._change(p_cfg.model, 'drop column', v_c.name,
          format('%s, with its data (drop.columns.%s names it)', v_c.name, p_cfg.model), v_locks, v_lock_text,
          ARRAY(SELECT format('ALTER TABLE %s DROP COLUMN %I', t, v_c.name) FROM unnest(v_targets) AS t));
      ELSE
        RETURN NEXT parting._refusal(p_cfg.model, 'drop column', v_c.name,
          format('column %s.%s is in the database but not in %s: a column made outside pgpart (a hand-written migration, an '
                 'ALTER TABLE by hand) must be in the config too: add it to %s with the type the database has (%s), then build '
                 'again (or make the pgpart migration again); or, to drop it with its data from %s and every partition, detached '
                 'and archived table, list it in drop.columns.%s',
                 p_parent, v_c.name, v_at, v_at, v_c.have_type, p_parent, p_cfg.model));
      END IF;
    ELSE
      -- In both: compare what PostgreSQL made of each.
      IF v_c.want_type <> v_c.have_type OR v_c.want_coll <> v_c.have_coll THEN
        IF v_has_partitions THEN
          RETURN NEXT parting._refusal(p_cfg.model, 'alter column type', v_c.name,
            format('%s.%s is %s in the database, the config says %s: changing a column''s type rewrites every partition under '
                   'ACCESS EXCLUSIVE, and pgpart refuses it. Keep %s in the config; or add a new column, copy the values and drop '
                   'the old one (drop.columns); or ALTER it by hand on %s and every detached and archived table',
                   v_at, v_c.name, v_c.have_type, v_c.want_type, v_c.have_type, p_parent));
        ELSE
          RETURN NEXT parting._change(p_cfg.model, 'alter column type', v_c.name,
            format('%s: %s → %s (no partitions, no rows)', v_c.name, v_c.have_type, v_c.want_type), v_locks, v_lock_text,
            ARRAY[format('ALTER TABLE %s ALTER COLUMN %I TYPE %s USING %I::%s', p_parent, v_c.name, v_c.want_type, v_c.name, v_c.want_type)]);
        END IF;
        CONTINUE;
      END IF;
      IF v_c.want_ident <> v_c.have_ident OR v_c.want_gen <> v_c.have_gen
         OR (v_c.want_gen <> '' AND v_c.want_expr IS DISTINCT FROM v_c.have_expr) THEN
        RETURN NEXT parting._refusal(p_cfg.model, 'alter column', v_c.name,
          format('%s.%s: its identity or generation expression differs from the database''s (%s): pgpart does not change those '
                 'on existing tables; keep the definition as it was, or add a new column',
                 v_at, v_c.name, coalesce(v_c.have_expr, CASE v_c.have_ident WHEN 'a' THEN 'generated always as identity'
                                                                          WHEN 'd' THEN 'generated by default as identity'
                                                                          ELSE 'a plain column' END)));
        CONTINUE;
      END IF;
      IF v_c.want_gen = '' AND v_c.want_ident = '' AND NOT (v_c.col ->> 'serial')::boolean
         AND v_c.want_expr IS DISTINCT FROM v_c.have_expr THEN
        RETURN NEXT parting._change(p_cfg.model, CASE WHEN v_c.want_expr IS NULL THEN 'drop default' ELSE 'set default' END, v_c.name,
          format('%s: %s → %s (catalog only; rows keep their values)', v_c.name, coalesce(v_c.have_expr, 'no default'),
                 coalesce(v_c.want_expr, 'no default')),
          v_locks, v_lock_text,
          ARRAY(SELECT CASE WHEN v_c.want_expr IS NULL THEN format('ALTER TABLE %s ALTER COLUMN %I DROP DEFAULT', t, v_c.name)
                            ELSE format('ALTER TABLE %s ALTER COLUMN %I SET DEFAULT %s', t, v_c.name, v_c.want_expr) END
                  FROM unnest(v_targets) AS t));
      END IF;
      IF v_c.have_notnull AND NOT v_c.want_notnull THEN
        RETURN NEXT parting._change(p_cfg.model, 'drop not null', v_c.name, format('%s becomes nullable (catalog only)', v_c.name),
          v_locks, v_lock_text,
          ARRAY(SELECT format('ALTER TABLE %s ALTER COLUMN %I DROP NOT NULL', t, v_c.name) FROM unnest(v_targets) AS t));
      ELSIF v_c.want_notnull AND NOT v_c.have_notnull THEN
        IF parting._has_rows(v_targets) THEN
          RETURN NEXT parting._refusal(p_cfg.model, 'set not null', v_c.name,
            format('%s.%s becomes NOT NULL, and %s has rows: PostgreSQL would scan every partition under ACCESS EXCLUSIVE, and '
                   'pgpart refuses it. Keep it nullable in the config; or, by hand, add CHECK (%I IS NOT NULL) NOT VALID to each '
                   'partition, VALIDATE it (no writer waits), and then SET NOT NULL, which uses the check instead of a scan',
                   v_at, v_c.name, p_parent, v_c.name));
        ELSE
          RETURN NEXT parting._change(p_cfg.model, 'set not null', v_c.name, format('%s becomes NOT NULL (no rows)', v_c.name),
            v_locks, v_lock_text,
            ARRAY(SELECT format('ALTER TABLE %s ALTER COLUMN %I SET NOT NULL', t, v_c.name) FROM unnest(v_targets) AS t)
              || ARRAY(SELECT format('CALL parting._not_null_names(%L)', t) FROM unnest(v_targets) AS t));
        END IF;
      END IF;
    END IF;
  END LOOP;
END;
$$;
