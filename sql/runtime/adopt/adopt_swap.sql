-- The swap (one transaction, after adopt_verify): the shadow family takes the old tables'
-- places. The change logs are applied first, with writers on (the duration the history
-- records starts after that); then ACCESS EXCLUSIVE on the old tables (under the model's
-- lockTimeout: a writer queues at most that long behind the request) and on the tables
-- outside the family whose foreign keys are re-pointed. Under them: what writers logged
-- since (a few rows) is applied; the rest is catalog work, no other row is read:
--   the capture triggers and the change logs dropped;
--   the new tables' sequences (identity or serial) continue where the old ones are;
--   the old tables moved to pgpart_adopted_<root> (their indexes, constraints and
--   sequences with them), the new ones, every partition too, into the model's schema;
--   the config rows pointed at it; the old parent's owner and grants given to the new
--   parent and from it to each partition;
--   the lockstep foreign keys held back during the copy added NOT VALID, and each foreign
--   key of an outside table re-pointed to the new table with the key column, NOT VALID;
--   views over the old tables made again over the new ones (same text, columns, grants);
--   the key guard on each member other models reference.
-- adopt_validate then validates the foreign keys, one per transaction, without blocking writers.
CREATE OR REPLACE FUNCTION parting.adopt_swap(p_model text)
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_a parting.adoption;
  v_m jsonb;
  v_old regclass;
  v_new regclass;
  v_olds regclass[] := '{}';
  v_views jsonb;
  v_outside jsonb;
  v_x record;
  v_seq record;
  v_validate jsonb := '[]';
  v_guard text;
  v_started timestamptz;
  v_left bigint;
  v_was bigint;
BEGIN
  SELECT * INTO v_a FROM parting.adoption a WHERE a.model = p_model FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no adoption of "%" in progress', p_model USING ERRCODE = 'invalid_parameter_value';
  ELSIF v_a.phase = 'swapped' THEN
    RETURN 'swapped';
  ELSIF v_a.phase <> 'verified' THEN
    RAISE EXCEPTION 'adoption of "%" is not verified yet (%)', p_model, v_a.phase USING ERRCODE = 'object_not_in_prerequisite_state',
      HINT = format('SELECT * FROM parting.adopt_verify(%L)', p_model);
  END IF;
  -- Under the lock, the replay must read what writers committed while the lock was awaited:
  -- a transaction whose snapshot is its first statement's (REPEATABLE READ, SERIALIZABLE)
  -- would miss those writes, and the logs holding them are dropped below.
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION 'adoption of "%": the swap must run in a READ COMMITTED transaction, not %', p_model, upper(current_setting('transaction_isolation'))
      USING ERRCODE = 'invalid_transaction_state',
            HINT = 'BEGIN ISOLATION LEVEL READ COMMITTED (or SET default_transaction_isolation = ''read committed''), then call it again';
  END IF;
  PERFORM set_config('lock_timeout', (parting._settings()).lock_timeout, true);
  -- Writers go on logging while the logs are applied: again, each round shorter than the
  -- one before, until a round has little to apply (then what is left for the lock below is
  -- what writers log in one short round) or stops shrinking (writers outpace the replay).
  v_left := parting._adopt_replay(p_model, NULL);
  FOR i IN 1 .. 50 LOOP
    EXIT WHEN v_left < 1000;
    v_was := v_left;
    v_left := parting._adopt_replay(p_model, NULL);
    EXIT WHEN v_left >= v_was;
  END LOOP;
  v_started := clock_timestamp();
  FOR v_m IN SELECT m FROM jsonb_array_elements(v_a.members) m LOOP
    v_old := to_regclass(format('%I.%I', v_a.schema_name, v_m #>> '{config,table_name}'));
    IF v_old IS NOT NULL THEN
      v_olds := v_olds || v_old;
      EXECUTE format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', v_old);
    END IF;
  END LOOP;
  -- No writer can log anything now: this empties the logs.
  PERFORM parting._adopt_replay(p_model, NULL);

  -- What must be made again over the new tables, read before anything moves.
  SELECT coalesce(jsonb_agg(jsonb_build_object('view', v.oid::regclass::text, 'definition', pg_get_viewdef(v.oid))), '[]') INTO v_views
    FROM (SELECT DISTINCT c.oid FROM pg_depend d JOIN pg_rewrite w ON w.oid = d.objid JOIN pg_class c ON c.oid = w.ev_class
           WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass AND d.refobjid = ANY (v_olds)
             AND c.relkind = 'v' AND NOT c.oid = ANY (v_olds)) v;
  SELECT coalesce(jsonb_agg(jsonb_build_object(
           'table', k.conrelid::regclass::text, 'name', k.conname, 'target', t.relname,
           'columns', ARRAY(SELECT a.attname FROM unnest(k.conkey) WITH ORDINALITY u(n, i) JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n ORDER BY u.i),
           'ref_columns', ARRAY(SELECT a.attname FROM unnest(k.confkey) WITH ORDINALITY u(n, i) JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n ORDER BY u.i),
           'on_delete', k.confdeltype, 'on_update', k.confupdtype)), '[]')
    INTO v_outside
    FROM pg_constraint k JOIN pg_class t ON t.oid = k.confrelid
   WHERE k.contype = 'f' AND k.confrelid = ANY (v_olds) AND NOT k.conrelid = ANY (v_olds);
  FOR v_x IN SELECT o ->> 'table' AS tbl, o ->> 'name' AS name FROM jsonb_array_elements(v_outside) o LOOP
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', v_x.tbl, v_x.name);
  END LOOP;

  EXECUTE format('CREATE SCHEMA %I', v_a.retired_schema);
  FOR v_m IN SELECT m FROM jsonb_array_elements(v_a.members) m LOOP
    v_old := to_regclass(format('%I.%I', v_a.schema_name, v_m #>> '{config,table_name}'));
    v_new := format('%I.%I', v_a.shadow_schema, v_m #>> '{config,table_name}')::regclass;
    IF v_old IS NOT NULL THEN
      EXECUTE format('DROP TRIGGER pgpart_adopt_capture ON %s', v_old);
      EXECUTE format('DROP TRIGGER pgpart_adopt_capture_truncate ON %s', v_old);
      -- Sequences: the new one goes on from the old one's value.
      FOR v_seq IN
        SELECT pg_get_serial_sequence(v_old::text, a.attname) AS old_seq, pg_get_serial_sequence(v_new::text, a.attname) AS new_seq
          FROM pg_attribute a JOIN pg_attribute o ON o.attrelid = v_old AND o.attname = a.attname AND NOT o.attisdropped
         WHERE a.attrelid = v_new AND a.attnum > 0 AND NOT a.attisdropped
      LOOP
        CONTINUE WHEN v_seq.old_seq IS NULL OR v_seq.new_seq IS NULL;
        EXECUTE format('SELECT setval(%L, s.last_value, s.is_called) FROM %s s', v_seq.new_seq, v_seq.old_seq);
      END LOOP;
      EXECUTE format('ALTER TABLE %s SET SCHEMA %I', v_old, v_a.retired_schema);
    END IF;
    EXECUTE format('DROP FUNCTION IF EXISTS %I.%I()', v_a.shadow_schema, parting._name('pgpart_capture', v_m #>> '{config,table_name}'));
    EXECUTE format('DROP TABLE IF EXISTS %I.%I', v_a.shadow_schema, parting._name('pgpart_log', v_m #>> '{config,table_name}'));
  END LOOP;
  FOR v_m IN SELECT m FROM jsonb_array_elements(v_a.members) m LOOP
    v_new := format('%I.%I', v_a.shadow_schema, v_m #>> '{config,table_name}')::regclass;
    FOR v_x IN SELECT i.inhrelid::regclass AS part FROM pg_inherits i WHERE i.inhparent = v_new LOOP
      EXECUTE format('ALTER TABLE %s SET SCHEMA %I', v_x.part, v_a.schema_name);
    END LOOP;
    EXECUTE format('ALTER TABLE %s SET SCHEMA %I', v_new, v_a.schema_name);
    UPDATE parting.config c SET schema_name = v_a.schema_name WHERE c.model = v_m #>> '{config,model}';
    -- Owner and grants of the old parent, then each partition like its parent.
    v_old := to_regclass(format('%I.%I', v_a.retired_schema, v_m #>> '{config,table_name}'));
    IF v_old IS NOT NULL THEN
      PERFORM parting._own_like(v_new, v_old);
      FOR v_x IN SELECT i.inhrelid::regclass AS part FROM pg_inherits i WHERE i.inhparent = v_new LOOP
        PERFORM parting._own_like(v_x.part, v_new);
      END LOOP;
    END IF;
  END LOOP;
  EXECUTE format('DROP SCHEMA %I', v_a.shadow_schema);
  -- The key guard, as an install puts it on a parent others reference: from here on the
  -- family is pgpart's, and an UPDATE moving a parent row with dependents to another
  -- partition must be refused (parting.move_key moves them together), not turned by the
  -- lockstep foreign keys into a delete of its dependents. The capture triggers, which moved
  -- keys under the dependents themselves, are gone.
  FOR v_m IN SELECT m FROM jsonb_array_elements(v_a.members) m LOOP
    v_guard := parting._key_guard(parting._model(v_m #>> '{config,model}'),
                                  EXISTS (SELECT FROM parting.config c WHERE c.parent_model = v_m #>> '{config,model}'));
    IF v_guard IS NOT NULL THEN
      EXECUTE v_guard;
    END IF;
  END LOOP;

  -- The lockstep foreign keys, NOT VALID: no row is read under these locks.
  FOR v_x IN SELECT f.table_name AS tbl, f.name, f.definition AS def FROM parting.adoption_foreign_key f WHERE f.model = p_model
              ORDER BY f.table_name, f.name LOOP
    EXECUTE format('ALTER TABLE %I.%I ADD CONSTRAINT %I %s NOT VALID', v_a.schema_name, v_x.tbl, v_x.name,
                   replace(v_x.def, format('REFERENCES %s.', quote_ident(v_a.shadow_schema)), format('REFERENCES %s.', quote_ident(v_a.schema_name))));
    v_validate := v_validate || jsonb_build_object('table', format('%I.%I', v_a.schema_name, v_x.tbl), 'name', v_x.name);
  END LOOP;
  -- Outside tables' foreign keys, with the key column they carry.
  FOR v_x IN SELECT o.value AS o, m.value AS m FROM jsonb_array_elements(v_outside) o
               JOIN jsonb_array_elements(v_a.members) m ON m #>> '{config,table_name}' = o.value ->> 'target' LOOP
    EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I FOREIGN KEY (%s, %I) REFERENCES %I.%I (%s, %I) ON DELETE %s ON UPDATE %s NOT VALID',
                   v_x.o ->> 'table', v_x.o ->> 'name',
                   (SELECT string_agg(format('%I', c), ', ') FROM jsonb_array_elements_text(v_x.o -> 'columns') c),
                   format('%s_%s', v_x.m #>> '{config,table_name}', v_x.m #>> '{config,key_column}'),
                   v_a.schema_name, v_x.o ->> 'target',
                   (SELECT string_agg(format('%I', c), ', ') FROM jsonb_array_elements_text(v_x.o -> 'ref_columns') c),
                   v_x.m #>> '{config,key_column}',
                   CASE v_x.o ->> 'on_delete' WHEN 'c' THEN 'CASCADE' WHEN 'r' THEN 'RESTRICT' WHEN 'n' THEN 'SET NULL' WHEN 'd' THEN 'SET DEFAULT' ELSE 'NO ACTION' END,
                   CASE v_x.o ->> 'on_update' WHEN 'c' THEN 'CASCADE' WHEN 'r' THEN 'RESTRICT' WHEN 'n' THEN 'SET NULL' WHEN 'd' THEN 'SET DEFAULT' ELSE 'NO ACTION' END);
    v_validate := v_validate || jsonb_build_object('table', v_x.o ->> 'table', 'name', v_x.o ->> 'name');
  END LOOP;
  FOR v_x IN SELECT v ->> 'view' AS view, v ->> 'definition' AS def FROM jsonb_array_elements(v_views) v LOOP
    EXECUTE format('CREATE OR REPLACE VIEW %s AS %s', v_x.view, v_x.def);
  END LOOP;

  UPDATE parting.adoption a SET phase = 'swapped', to_validate = v_validate, updated_at = now() WHERE a.model = p_model;
  PERFORM parting._log(p_model, NULL, 'adopted',
                       jsonb_build_object('step', 'swap', 'retired_schema', v_a.retired_schema, 'views', jsonb_array_length(v_views),
                                          'outside_foreign_keys', jsonb_array_length(v_outside)),
                       clock_timestamp() - v_started);
  RETURN 'swapped';
END;
$$;

COMMENT ON FUNCTION parting.adopt_swap(text) IS
$c$The adoption's swap, in one transaction: the shadow family takes the old tables' names (old ones kept in pgpart_adopted_<root>), sequences, owner, grants, foreign keys (NOT VALID) and views carried over.$c$;
