-- The difference between the models an install carries (the desired document that
-- `pgpart build` writes into install.sql) and the database, as the list of changes that
-- would close it, in the order they must run: schemas, tables dropped to be made again,
-- new tables, column changes, index changes, foreign keys, the project's settings, config
-- rows, pgpart's comments, partitions, models dropped, the pg_cron job; refusals first. On Citus, distributed models' tables are
-- distributed after the config rows, before partitions are made. The install (parting._install) makes exactly
-- these changes, and `pgpart plan` (parting.plan) prints them: one computation for both.
-- Reads the catalog and parting.* only (ACCESS SHARE at most, and a temporary table per
-- model for parting._desired_table). A model whose fingerprint is the one the last install
-- recorded (parting._fingerprint) has its structure and columns taken as they were, and only
-- the tables whose own fingerprint is not the recorded one (parting._table_fingerprints:
-- partitions made since, a table changed by hand) or that were given a foreign key since
-- are compared; with none, only its comments, key guard, config row and the partitions due
-- now are.
CREATE OR REPLACE FUNCTION parting._changes(p_desired jsonb, p_search_path text)
RETURNS SETOF parting.change
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_out parting.change[] := '{}';
  v_m jsonb;
  v_cfg parting.config;
  v_old parting.config;
  v_parent regclass;
  v_struct parting.change[];
  v_fields text;
  v_rels regclass[];
  v_kinds text[];
  v_recorded jsonb;
  v_runtime text;
  v_fp text;
  v_fps jsonb := '{}';
  v_skip boolean;
  v_some boolean;
  v_set jsonb;
  v_gone jsonb;
  v_constraints oid;
  v_since oid;
  v_keyed regclass[];
  v_tables bigint;
  v_summary bigint;
BEGIN
  -- The fingerprints the last install recorded (none before it ran, or while `pgpart apply`
  -- has builds to finish), and the runtime's hash, which each fingerprint includes.
  IF to_regclass('parting.meta') IS NOT NULL AND to_regclass('parting.table_fingerprints') IS NOT NULL
     AND EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = to_regclass('parting.meta') AND a.attname = 'fingerprints'
                    AND NOT a.attisdropped) THEN
    EXECUTE 'SELECT m.fingerprints FROM parting.meta m' INTO v_recorded;
    v_runtime := parting._runtime_hash();
    -- The newest constraint before anything is read: the next install reads the foreign
    -- keys above it (one index range, however many partitions), not each partition's.
    v_constraints := (SELECT max(k.oid) FROM pg_constraint k);
  END IF;
  -- The models' schema and the archive schema: made here, or refused when another role owns them.
  v_out := v_out || ARRAY(SELECT x FROM parting._change_schemas(p_desired) x);

  v_out := v_out || ARRAY(SELECT x FROM parting._change_settings(p_desired) x);

  FOR v_m IN SELECT m FROM jsonb_array_elements(p_desired -> 'models') AS m LOOP
    v_cfg := parting._config_row(v_m -> 'config');
    IF v_cfg.timezone IS NOT NULL AND v_cfg.parent_model IS NULL AND NOT parting._zone_known(v_cfg.timezone) THEN
      -- Node's zone data and the server's differ: the server's decides.
      v_out := v_out || parting._refusal(v_cfg.model, 'alter model', v_cfg.timezone,
        format('models.%s.partition.timezone (or the project''s timezone): this PostgreSQL does not know the time zone %L: '
               'choose one it knows (SELECT name FROM pg_timezone_names)', v_cfg.model, v_cfg.timezone));
      CONTINUE;
    END IF;
    IF to_regclass('parting.adoption') IS NOT NULL
       AND EXISTS (SELECT FROM parting.adoption a WHERE a.model = v_cfg.root_model AND a.phase <> 'swapped') THEN
      -- Its tables are the adoption's until the swap: the install waits for it.
      v_out := v_out || parting._refusal(v_cfg.model, 'alter model', v_cfg.table_name,
        format('models.%s: the family of %s is being adopted (%s): go on with `pgpart adopt %s` (or undo it with --abort), then install',
               v_cfg.model, v_cfg.root_model, (SELECT a.phase FROM parting.adoption a WHERE a.model = v_cfg.root_model), v_cfg.root_model));
      CONTINUE;
    END IF;
    v_out := v_out || ARRAY(SELECT x FROM parting._change_tablespaces(v_cfg) x);
    v_old := NULL;
    IF to_regclass('parting.config') IS NOT NULL THEN
      SELECT * INTO v_old FROM parting.config WHERE model = v_cfg.model;
    END IF;
    v_parent := to_regclass(format('%I.%I', v_cfg.schema_name, v_cfg.table_name));
    IF (v_old.schema_name, v_old.table_name) IS DISTINCT FROM (v_cfg.schema_name, v_cfg.table_name) AND v_old.model IS NOT NULL
       AND to_regclass(format('%I.%I', v_old.schema_name, v_old.table_name)) IS NOT NULL THEN
      v_out := v_out || parting._refusal(v_cfg.model, 'rename model', v_cfg.table_name,
        format('models.%s.table: the model''s table is %I.%I in the database, the config says %I.%I: pgpart does not rename tables '
               '(every partition, index and constraint is named after its table). Keep the table name as it was',
               v_cfg.model, v_old.schema_name, v_old.table_name, v_cfg.schema_name, v_cfg.table_name));
      CONTINUE;
    END IF;

    IF v_parent IS NOT NULL AND v_old.model IS NULL AND EXISTS (SELECT FROM parting._table_taken(v_cfg, v_parent)) THEN
      v_out := v_out || ARRAY(SELECT x FROM parting._table_taken(v_cfg, v_parent) x);
      CONTINUE;
    END IF;
    -- Nothing the comparisons of the parent and its columns read has changed since an install
    -- found the model matching this very config (the fingerprint it recorded): they are
    -- skipped, and of the family's tables only those whose own fingerprint is not the one
    -- that install recorded are compared (v_some); with none of those, only what does not
    -- depend on the tables is (comments, the key guard, the config row, the partitions due
    -- now). check() finds what a fingerprint cannot see (parting._table_fingerprints).
    v_fp := CASE WHEN v_runtime IS NOT NULL AND v_parent IS NOT NULL AND v_old.model IS NOT NULL
                 THEN parting._fingerprint(p_desired, v_m, v_cfg, p_search_path, v_runtime) END;
    v_skip := false;
    v_some := false;
    v_since := (v_recorded #>> ARRAY[v_cfg.model, 'constraints'])::oid;
    IF v_fp = v_recorded #>> ARRAY[v_cfg.model, 'fp'] AND v_since IS NOT NULL THEN
      -- A dependent's attached partitions given a foreign key since that install (by hand,
      -- or by pgpart: compared alike), read from the constraints newer than it recorded.
      v_keyed := CASE WHEN v_cfg.parent_model IS NULL THEN '{}'
                      ELSE ARRAY(SELECT DISTINCT k.conrelid::regclass FROM pg_constraint k JOIN pg_inherits i ON i.inhrelid = k.conrelid
                                  WHERE k.oid > v_since AND k.contype = 'f' AND i.inhparent = v_parent) END;
      SELECT s.tables, s.fingerprint INTO v_tables, v_summary FROM parting._family_summary(v_cfg) s;
      IF cardinality(v_keyed) = 0
         AND (v_tables, v_summary) = ((v_recorded #>> ARRAY[v_cfg.model, 'tables'])::bigint,
                                      (v_recorded #>> ARRAY[v_cfg.model, 'summary'])::bigint) THEN
        -- The same tables as recorded, each as it was: one count and one XOR of fingerprints
        -- each side (a table made, gone or changed moves the XOR by a 64-bit hash of its own),
        -- the recorded side kept by the install beside the model's fingerprint, so that
        -- neither side reads a row per table.
        v_rels := '{}';
        v_set := '{}';
        v_gone := '[]';
      ELSE
        -- The tables new or changed since (in _model_tables' order), their fingerprints, and
        -- the tables recorded that are gone, for parting._install to record.
        SELECT coalesce(array_agg(t.rel ORDER BY array_position(ARRAY['partition', 'offline', 'archive', 'archived'], t.kind), t.rel::text)
                          FILTER (WHERE t.rel IS NOT NULL AND (t.fingerprint IS DISTINCT FROM r.fingerprint OR t.rel = ANY (v_keyed))), '{}'),
               coalesce(array_agg(t.kind ORDER BY array_position(ARRAY['partition', 'offline', 'archive', 'archived'], t.kind), t.rel::text)
                          FILTER (WHERE t.rel IS NOT NULL AND (t.fingerprint IS DISTINCT FROM r.fingerprint OR t.rel = ANY (v_keyed))), '{}'),
               coalesce(jsonb_object_agg(t.rel::oid::text, t.fingerprint)
                          FILTER (WHERE t.rel IS NOT NULL AND t.fingerprint IS DISTINCT FROM r.fingerprint), '{}'),
               coalesce(jsonb_agg(r.rel) FILTER (WHERE t.rel IS NULL), '[]')
          INTO v_rels, v_kinds, v_set, v_gone
          FROM parting._table_fingerprints(v_cfg) t
          FULL JOIN (SELECT f.rel, f.fingerprint FROM parting.table_fingerprints f WHERE f.model = v_cfg.model) r ON r.rel = t.rel::oid;
      END IF;
      v_skip := cardinality(v_rels) = 0;
      v_some := NOT v_skip;
      -- Many (a family grown by hand, say): _install reads them all again rather than take
      -- them through this setting.
      v_fps := v_fps || jsonb_build_object(v_cfg.model,
                          CASE WHEN jsonb_array_length(v_gone) + (SELECT count(*) FROM jsonb_object_keys(v_set)) > 500
                               THEN jsonb_build_object('fp', v_fp, 'constraints', v_constraints, 'all', true)
                               ELSE jsonb_build_object('fp', v_fp, 'constraints', v_constraints, 'set', v_set, 'gone', v_gone,
                                                       'tables', v_tables, 'summary', v_summary) END);
    ELSIF v_fp IS NOT NULL THEN
      -- Compared in full (none recorded, or the model changed): every table is recorded anew.
      v_fps := v_fps || jsonb_build_object(v_cfg.model, jsonb_build_object('fp', v_fp, 'constraints', v_constraints, 'all', true));
    END IF;
    IF NOT v_skip AND NOT v_some THEN
      -- The family's tables, listed once for every comparison below that reaches them.
      SELECT coalesce(array_agg(t.rel ORDER BY t.n), '{}'), coalesce(array_agg(t.kind ORDER BY t.n), '{}')
        INTO v_rels, v_kinds
        FROM parting._model_tables(v_cfg) WITH ORDINALITY AS t(rel, kind, n);
    END IF;
    IF v_parent IS NOT NULL AND NOT v_skip AND NOT v_some THEN
      v_struct := ARRAY(SELECT x FROM parting._change_structure(v_m, v_cfg, v_old, v_parent, v_kinds) x);
      v_out := v_out || v_struct;
      IF EXISTS (SELECT FROM unnest(v_struct) s WHERE s.change = 'recreate model') THEN
        v_parent := NULL;
      ELSIF EXISTS (SELECT FROM unnest(v_struct) s WHERE s.refusal IS NOT NULL AND s.change = 'create model') THEN
        CONTINUE; -- not a partitioned table: nothing else to compare
      END IF;
    END IF;

    IF v_parent IS NULL THEN
      v_out := v_out || parting._change(v_cfg.model, 'create model', v_cfg.table_name,
        format('%I.%I, partitioned by %s (%s)%s', v_cfg.schema_name, v_cfg.table_name, v_cfg.strategy, v_cfg.key_column,
               CASE WHEN v_cfg.parent_model IS NULL THEN '' ELSE format(', in lockstep with %s', v_cfg.parent_model) END),
        NULL, 'none (a new table)',
        parting._create_model(v_m) || ARRAY(SELECT d.statement FROM parting._comments_due(p_desired, v_cfg, NULL) d));
    ELSIF NOT v_skip THEN
      IF NOT v_some THEN
        v_out := v_out || ARRAY(SELECT x FROM parting._change_columns(
                   v_m, v_cfg, v_parent, parting._desired_table(v_m, p_search_path),
                   ARRAY(SELECT jsonb_array_elements_text(p_desired -> 'drop' -> 'columns' -> v_cfg.model)),
                   v_rels, v_kinds) x);
      END IF;
      v_out := v_out || ARRAY(SELECT x FROM parting._change_indexes(v_m, v_cfg, v_old, v_parent, v_rels, v_kinds) x);
      v_out := v_out || ARRAY(SELECT x FROM parting._change_partition_fks(v_cfg, v_rels, v_kinds) x);
    END IF;
    IF v_parent IS NOT NULL THEN
      v_out := v_out || ARRAY(SELECT x FROM parting._change_comments(p_desired, v_cfg, v_parent) x);
    END IF;
    v_out := v_out || ARRAY(SELECT x FROM parting._change_key_guard(v_cfg,
                 EXISTS (SELECT FROM jsonb_array_elements(p_desired -> 'models') d WHERE d #>> '{config,parent_model}' = v_cfg.model)) x);

    IF v_old IS DISTINCT FROM v_cfg THEN
      -- Short values in full (premake: 2 → 6), long ones (the index list) by name only.
      SELECT string_agg(CASE WHEN length(coalesce(o.value::text, '')) + length(n.value::text) > 60 THEN format('%s changed', n.key)
                             ELSE format('%s: %s → %s', n.key, coalesce(o.value::text, 'null'), n.value::text) END,
                        ', ' ORDER BY n.key)
        INTO v_fields
        FROM jsonb_each(to_jsonb(v_cfg)) n LEFT JOIN jsonb_each(to_jsonb(v_old)) o ON o.key = n.key
       WHERE o.value IS DISTINCT FROM n.value;
      v_out := v_out || parting._change(v_cfg.model, CASE WHEN v_old.model IS NULL THEN 'add config' ELSE 'update config' END,
        v_cfg.model, CASE WHEN v_old.model IS NULL THEN 'the model''s row in parting.config' ELSE v_fields END, NULL, 'none',
        ARRAY[format('CALL parting._put_config(%L)', v_m -> 'config')]);
    END IF;
    v_out := v_out || ARRAY(SELECT x FROM parting._change_distribution(v_cfg, v_parent) x);
    v_out := v_out || ARRAY(SELECT x FROM parting._change_partitions(v_m, v_cfg, v_old, v_parent) x);
  END LOOP;

  IF to_regclass('parting.config') IS NOT NULL THEN
    v_out := v_out || ARRAY(SELECT x FROM parting._change_dropped(p_desired) x);
  END IF;
  v_out := v_out || ARRAY(SELECT x FROM parting._change_schedule(p_desired) x);
  -- For parting._install: the fingerprints as they are before any change, which it records
  -- for the models it changes nothing in (this transaction's setting only): per model, its
  -- own ('fp'), the newest constraint's oid before its tables were read ('constraints'), and
  -- either 'all' (every table recorded anew) or the tables new or changed ('set', oid →
  -- fingerprint), those gone ('gone') and the family's summary ('tables', 'summary':
  -- parting._family_summary, which the records match once those are written).
  PERFORM set_config('pgpart.fingerprints', v_fps::text, true);
  RETURN QUERY SELECT (v_out[i]).* FROM generate_subscripts(v_out, 1) AS i ORDER BY (v_out[i]).phase, i;
END;
$$;
