-- What install.sql does with its models: makes the database match them, in the install's
-- one transaction. The changes are parting._changes, the list `pgpart plan` prints:
--   1. if any is refused, nothing is done: one error lists every refusal;
--   2. every lock any change needs is taken at once, before the first change, in the
--      writers' order, all or none per try, each request under the config's lockTimeout,
--      lockTries tries with backoff (parting._lock_all): a change never waits for a lock
--      while holding another's, and writers wait for this transaction only;
--   3. the changes run in order, each logged in parting.history ('reconciled') and shown
--      as a NOTICE. Index copies and foreign-key validations run here too, unless the
--      session set pgpart.defer_builds = 'on' (`pgpart apply`, which then runs them
--      after the commit, CONCURRENTLY);
--   4. parting.meta records the revision, the pgpart version and, once nothing is left to
--      build, the config hash (pending_hash until then), the config's schedule and the
--      fingerprint (parting._fingerprint) of each model it found nothing to change in, with
--      the newest constraint's oid when its tables were read and a summary of them, and in
--      parting.table_fingerprints each of its tables', which let the next install compare
--      only the tables changed since (none, for a model nothing has changed in).
-- An unchanged install finds no change: it takes no lock beyond ACCESS SHARE on a user
-- table and writes nothing but, when the tables changed since the last install (partitions
-- made or dropped), the fingerprints of those tables, and, when constraints were made since
-- (anywhere in the database), the newer constraint oid in parting.meta.
CREATE OR REPLACE PROCEDURE parting._install(p_desired jsonb, p_version text, p_hash text, p_revision integer, p_search_path text)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_changes parting.change[];
  v_c parting.change;
  v_defer boolean := coalesce(current_setting('pgpart.defer_builds', true), '') = 'on';
  v_refused text[];
  v_rels regclass[];
  v_modes text[];
  v_statement text;
  v_started timestamptz;
  v_pending boolean := false;
  v_meta parting.meta;
  v_fps jsonb;
  v_marks jsonb;
  v_mark record;
BEGIN
  v_changes := ARRAY(SELECT c FROM parting._changes(p_desired, p_search_path) c);
  v_refused := ARRAY(SELECT c.refusal FROM unnest(v_changes) c WHERE c.refusal IS NOT NULL);
  IF cardinality(v_refused) > 0 THEN
    RAISE EXCEPTION 'pgpart refused this install (% change(s) need your decision): %', cardinality(v_refused), v_refused[1]
      USING ERRCODE = 'PGP01',
            DETAIL = array_to_string(ARRAY(SELECT format('%s. %s', n, r) FROM unnest(v_refused) WITH ORDINALITY AS u(r, n)), E'\n'),
            HINT = 'nothing was changed; `pgpart plan` lists every change and refusal';
  END IF;

  -- Citus: with distributed models, every command on distributed tables in this transaction
  -- goes over one connection per worker, as Citus asks of a transaction that distributes a
  -- table after changing others (create_distributed_table, then DDL on its shards). Set
  -- before the first such command; a plain install never sets it.
  IF parting._citus() AND EXISTS (SELECT FROM jsonb_array_elements(p_desired -> 'models') m WHERE m -> 'config' ? 'distribution') THEN
    PERFORM set_config('citus.multi_shard_modify_mode', 'sequential', true);
  END IF;
  -- All locks, the strongest mode asked for each relation, in the writers' order: the
  -- models' parent tables in family order, then the rest as the changes name them.
  WITH wanted AS (
    SELECT l.value ->> 0 AS rel, l.value ->> 1 AS mode, i * 1000000 + l.n AS n
      FROM generate_subscripts(v_changes, 1) AS i
     CROSS JOIN LATERAL jsonb_array_elements((v_changes[i]).locks
                                             || CASE WHEN v_defer THEN '[]'::jsonb ELSE (v_changes[i]).inline_locks END)
                        WITH ORDINALITY AS l(value, n)
  ), parents AS (
    SELECT format('%I.%I', m #>> '{config,schema_name}', m #>> '{config,table_name}')::regclass::text AS rel, n
      FROM jsonb_array_elements(p_desired -> 'models') WITH ORDINALITY AS x(m, n)
     WHERE to_regclass(format('%I.%I', m #>> '{config,schema_name}', m #>> '{config,table_name}')) IS NOT NULL
  ), each_rel AS (
    SELECT w.rel, coalesce(min(p.n), 1000000000000 + min(w.n)) AS n, max(array_position(c_modes.modes, w.mode)) AS strength
      FROM wanted w LEFT JOIN parents p ON p.rel = w.rel
     CROSS JOIN (SELECT ARRAY['ACCESS SHARE', 'ROW SHARE', 'ROW EXCLUSIVE', 'SHARE UPDATE EXCLUSIVE', 'SHARE',
                              'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'] AS modes) c_modes
     GROUP BY w.rel
  )
  SELECT coalesce(array_agg(e.rel::regclass ORDER BY e.n), '{}'),
         coalesce(array_agg((ARRAY['ACCESS SHARE', 'ROW SHARE', 'ROW EXCLUSIVE', 'SHARE UPDATE EXCLUSIVE', 'SHARE',
                                   'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'])[e.strength] ORDER BY e.n), '{}')
    INTO v_rels, v_modes
    FROM each_rel e;
  PERFORM parting._lock_all(p_desired #>> '{settings,lock_timeout}', (p_desired #>> '{settings,lock_tries}')::integer, v_rels, v_modes);
  -- Whatever a statement locks beyond those waits no longer than lockTimeout either.
  PERFORM set_config('lock_timeout', p_desired #>> '{settings,lock_timeout}', true);

  FOREACH v_c IN ARRAY v_changes LOOP
    v_started := clock_timestamp();
    RAISE NOTICE 'pgpart: %', concat_ws(' ', v_c.change, coalesce(v_c.model, ''), '—', v_c.detail);
    FOREACH v_statement IN ARRAY v_c.sql || CASE WHEN v_defer THEN '{}'::text[] ELSE v_c.inline END LOOP
      -- Statements may carry the user's SQL (column definitions): read with their search_path.
      -- Every call under it qualified (a look-alike with a closer signature would win even
      -- behind pg_catalog).
      PERFORM pg_catalog.set_config('search_path', parting._user_path(p_search_path), true);
      EXECUTE v_statement;
      PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
    END LOOP;
    v_pending := v_pending OR (v_defer AND cardinality(v_c.later) > 0);
    PERFORM parting._log(coalesce(v_c.model, '*'), v_c.target, 'reconciled',
                         jsonb_strip_nulls(jsonb_build_object('change', v_c.change, 'detail', v_c.detail,
                           'deferred', CASE WHEN v_defer AND cardinality(v_c.later) > 0 THEN cardinality(v_c.later) END)),
                         clock_timestamp() - v_started);
  END LOOP;

  -- The fingerprint of each model the comparison found matching the config (parting._changes,
  -- before any change), for the next install to skip comparing its tables. A model that
  -- had changes is left out: what they leave (a copy whose name another object holds, builds
  -- left for `pgpart apply`) is the next comparison's to find, which then records it. A
  -- project-wide change (settings, schemas, the schedule) leaves every model out.
  IF EXISTS (SELECT FROM unnest(v_changes) c WHERE c.model IS NULL) THEN
    v_fps := NULL;
  ELSE
    v_marks := nullif(current_setting('pgpart.fingerprints', true), '')::jsonb;
    SELECT jsonb_object_agg(f.key, jsonb_build_object('fp', f.value -> 'fp', 'constraints', f.value -> 'constraints',
                                                      'tables', f.value -> 'tables', 'summary', f.value -> 'summary')) INTO v_fps
      FROM jsonb_each(v_marks) f
     WHERE NOT EXISTS (SELECT FROM unnest(v_changes) c WHERE c.model = f.key);
    -- And each of their tables' (parting._table_fingerprints): all of them again for a model
    -- compared in full, the new and changed ones for the rest; the gone ones, and those of
    -- models the config no longer has, deleted. Where it wrote any, the family's summary
    -- (count and XOR: parting._family_summary's) is taken from the records as they now are.
    FOR v_mark IN SELECT f.key AS model, f.value FROM jsonb_each(v_marks) f
                   WHERE NOT EXISTS (SELECT FROM unnest(v_changes) c WHERE c.model = f.key) LOOP
      IF (v_mark.value ->> 'all')::boolean THEN
        DELETE FROM parting.table_fingerprints f WHERE f.model = v_mark.model;
        INSERT INTO parting.table_fingerprints (model, rel, fingerprint)
        SELECT v_mark.model, t.rel, t.fingerprint FROM parting._table_fingerprints(parting._model(v_mark.model)) t;
      ELSIF v_mark.value -> 'set' <> '{}' OR v_mark.value -> 'gone' <> '[]' THEN
        DELETE FROM parting.table_fingerprints f
         WHERE f.model = v_mark.model AND f.rel IN (SELECT g::oid FROM jsonb_array_elements_text(v_mark.value -> 'gone') g);
        INSERT INTO parting.table_fingerprints (model, rel, fingerprint)
        SELECT v_mark.model, e.key::oid, e.value::bigint FROM jsonb_each_text(v_mark.value -> 'set') e
            ON CONFLICT (model, rel) DO UPDATE SET fingerprint = excluded.fingerprint;
      ELSE
        CONTINUE; -- the same tables as recorded: so is the summary
      END IF;
      v_fps := jsonb_set(v_fps, ARRAY[v_mark.model],
                         (v_fps -> v_mark.model) || (SELECT jsonb_build_object('tables', count(*), 'summary', coalesce(bit_xor(f.fingerprint), 0))
                                                       FROM parting.table_fingerprints f WHERE f.model = v_mark.model));
    END LOOP;
    DELETE FROM parting.table_fingerprints f
     WHERE NOT EXISTS (SELECT FROM jsonb_array_elements(p_desired -> 'models') m WHERE m #>> '{config,model}' = f.model);
  END IF;
  SELECT * INTO v_meta FROM parting.meta;
  IF NOT FOUND THEN
    INSERT INTO parting.meta (singleton, schema_revision, version, config_hash, schedule, pending_hash, config_rows_hash, fingerprints)
    VALUES (true, p_revision, p_version, CASE WHEN v_pending THEN '' ELSE p_hash END, p_desired ->> 'schedule',
            CASE WHEN v_pending THEN p_hash END, parting._config_rows_hash(), v_fps);
  ELSIF (v_meta.schema_revision, v_meta.version, v_meta.config_hash, v_meta.schedule, v_meta.pending_hash, v_meta.config_rows_hash)
        IS DISTINCT FROM (p_revision, p_version, CASE WHEN v_pending THEN v_meta.config_hash ELSE p_hash END,
                          p_desired ->> 'schedule', CASE WHEN v_pending THEN p_hash END, parting._config_rows_hash()) THEN
    UPDATE parting.meta
       SET schema_revision = p_revision, version = p_version,
           config_hash = CASE WHEN v_pending THEN config_hash ELSE p_hash END,
           pending_hash = CASE WHEN v_pending THEN p_hash END,
           schedule = p_desired ->> 'schedule', config_rows_hash = parting._config_rows_hash(), fingerprints = v_fps,
           installed_at = now();
  ELSIF v_meta.fingerprints IS DISTINCT FROM v_fps THEN
    -- Only the tables changed (partitions made, a hand-made change the install put right).
    UPDATE parting.meta SET fingerprints = v_fps;
  END IF;
END;
$$;
