-- What the partitions of an existing model are built on: its table, strategy, key column,
-- interval, time zone, the parent it references, its primary key and unique constraints.
-- None of these can change under existing partitions (their bounds, names and foreign
-- keys follow from them), so while the model has any partition, attached or not, a change
-- is refused, naming the config field, what it would break, and what to do instead. A
-- model without partitions has no rows: its parent table is dropped and made again
-- ('recreate model'), which loses nothing. A plain table is adopted by `pgpart adopt`
-- (sql/runtime/adopt/), never converted by an install.
-- p_kinds: the kinds of the family's tables (parting._model_tables, read once per model).
CREATE OR REPLACE FUNCTION parting._change_structure(p_m jsonb, p_cfg parting.config, p_old parting.config, p_parent regclass,
                                                     p_kinds text[])
RETURNS SETOF parting.change
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_at text := format('models.%s', p_cfg.model);
  v_count integer := (SELECT count(*) FROM unnest(p_kinds) AS t(kind) WHERE t.kind <> 'archive');
  v_has text := (SELECT format('%s has %s partition(s) (%s attached, %s detached or archived)', p_parent, count(*),
                               count(*) FILTER (WHERE t.kind = 'partition'), count(*) FILTER (WHERE t.kind <> 'partition'))
                   FROM unnest(p_kinds) AS t(kind) WHERE t.kind <> 'archive');
  v_kind "char";
  v_strategy text;
  v_key text;
  v_why text[] := '{}';
  v_keys text;
  v_want_keys text;
BEGIN
  SELECT r.relkind, CASE p.partstrat WHEN 'r' THEN 'range' WHEN 'l' THEN 'list' ELSE p.partstrat::text END,
         (SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = r.oid AND a.attnum = p.partattrs[0])
    INTO v_kind, v_strategy, v_key
    FROM pg_class r LEFT JOIN pg_partitioned_table p ON p.partrelid = r.oid
   WHERE r.oid = p_parent;
  IF v_kind <> 'p' THEN
    RETURN NEXT parting._refusal(p_cfg.model, 'create model', p_parent::text,
      CASE WHEN v_kind = 'r' THEN
        format('%s: table %s exists and is not partitioned: adopt it online, with its family''s tables, by `pgpart adopt %s` '
               '(the install does not convert tables; `pgpart plan` lists what adoption would do and what it refuses), '
               'or give the model another table (%s.table)', v_at, p_parent, p_cfg.root_model, v_at)
      ELSE
        format('%s: %s exists and is not a table pgpart can partition; give the model another table (%s.table)', v_at, p_parent, v_at)
      END);
    RETURN;
  END IF;

  IF v_strategy <> p_cfg.strategy THEN
    v_why := v_why || format('%s.partition.by: %s is partitioned by %s, the config says %s', v_at, p_parent, v_strategy, p_cfg.strategy);
  END IF;
  IF v_key IS DISTINCT FROM p_cfg.key_column THEN
    v_why := v_why || format('%s: %s is partitioned on %s, the config says %s', v_at, p_parent, v_key, p_cfg.key_column);
  END IF;
  IF p_old.model IS NOT NULL THEN
    IF (p_old.unit, p_old.width) IS DISTINCT FROM (p_cfg.unit, p_cfg.width) THEN
      v_why := v_why || format('%s.partition.interval: from %s to %s', v_at, coalesce(p_old.unit, p_old.width::text), coalesce(p_cfg.unit, p_cfg.width::text));
    END IF;
    IF p_old.timezone IS DISTINCT FROM p_cfg.timezone THEN
      v_why := v_why || format('%s.partition.timezone: from %s to %s (boundaries would move)', v_at, p_old.timezone, p_cfg.timezone);
    END IF;
    IF (p_old.parent_model, p_old.fk_columns, p_old.ref_columns) IS DISTINCT FROM (p_cfg.parent_model, p_cfg.fk_columns, p_cfg.ref_columns) THEN
      v_why := v_why || format('%s.partitionForeignKey: from %s to %s', v_at,
                               coalesce(format('%s (%s)', p_old.parent_model, array_to_string(p_old.fk_columns, ', ')), 'none'),
                               coalesce(format('%s (%s)', p_cfg.parent_model, array_to_string(p_cfg.fk_columns, ', ')), 'none'));
    END IF;
  END IF;
  -- Keys, as the catalog has them and as the config wants them.
  SELECT string_agg(format('%s %s (%s)', k.contype, k.conname,
                           (SELECT string_agg(a.attname::text, ', ' ORDER BY n) FROM unnest(k.conkey) WITH ORDINALITY AS u(attnum, n)
                              JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum)), '; ' ORDER BY k.conname)
    INTO v_keys FROM pg_constraint k WHERE k.conrelid = p_parent AND k.contype IN ('p', 'u');
  SELECT string_agg(format('%s %s (%s)', CASE c ->> 'kind' WHEN 'primary' THEN 'p' ELSE 'u' END, c ->> 'name',
                           (SELECT string_agg(x, ', ' ORDER BY n) FROM jsonb_array_elements_text(c -> 'columns') WITH ORDINALITY AS y(x, n))),
                    '; ' ORDER BY c ->> 'name')
    INTO v_want_keys FROM jsonb_array_elements(p_m -> 'constraints') c;
  IF v_keys IS DISTINCT FROM v_want_keys THEN
    v_why := v_why || format('%s.primaryKey / unique: the table has %s, the config wants %s', v_at,
                             coalesce(v_keys, 'none'), coalesce(v_want_keys, 'none'));
  END IF;

  IF cardinality(v_why) = 0 THEN
    RETURN;
  END IF;
  IF v_count > 0 THEN
    FOR i IN 1 .. cardinality(v_why) LOOP
      RETURN NEXT parting._refusal(p_cfg.model, 'alter model', p_parent::text,
        format('%s, while %s: existing partitions cannot change their bounds, names, keys or foreign keys. Keep the config as it '
               'was; or make a new model with the new shape, copy the rows (INSERT ... SELECT), and drop this one (drop.models)',
               v_why[i], v_has));
    END LOOP;
    RETURN;
  END IF;
  RETURN NEXT parting._change(p_cfg.model, 'recreate model', p_parent::text,
    format('%s has no partitions and so no rows: dropped and made again (%s)', p_parent, array_to_string(v_why, '; ')),
    parting._locks(ARRAY[p_parent], 'ACCESS EXCLUSIVE'), format('ACCESS EXCLUSIVE on %s (empty)', p_parent),
    ARRAY[format('DROP TABLE %s', p_parent)]);
END;
$$;
