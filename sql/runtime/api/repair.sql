-- Fixes what parting.check finds and is safe to fix, one problem at a time, each in a
-- subtransaction of its own (one that fails is rolled back alone, reported and logged, and
-- the others go on), each lock under the model's lockTimeout with its lockTries
-- (parting._lock_all), each fix a 'repaired' row in parting.history:
--   missing partition, missing member   made, with its foreign key (parting._create_family)
--   missing foreign key / foreign key   added NOT VALID, then validated; or made again
--   missing index                       built (SHARE on the table while it builds)
--   missing bound check                 added NOT VALID, then validated
--   owner / grants                      the parent's owner and grants (parting._own_like)
--   forgotten table                     the record forgotten
--   distribution (Citus)                distributed, colocated with the root's table
-- The rest it reports as check does, 'left'. One transaction: the locks of its fixes are
-- held until it commits, so on a busy database repair a few problems at a time.
CREATE OR REPLACE FUNCTION parting.repair()
RETURNS TABLE (model text, partition text, key text, problem text, outcome text, detail text)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_p record;
  v_cfg parting.config;
  v_settings parting.settings := parting._settings();
  v_rel regclass;
  v_t record;
  v_started timestamptz;
  v_message text;
  v_con oid;
  v_target regclass;
BEGIN
  -- Tables first, then what foreign keys need (the referenced partition's unique index), then them.
  FOR v_p IN SELECT * FROM parting.check() c
              ORDER BY c.repairable DESC,
                       array_position(ARRAY['forgotten table', 'distribution', 'missing partition', 'missing member', 'missing index',
                                            'missing bound check', 'owner', 'grants', 'missing foreign key', 'foreign key'], c.problem),
                       -- A table is distributed after the one its foreign key references.
                       CASE WHEN c.problem = 'distribution' THEN (SELECT f.family_order FROM parting.config f WHERE f.model = c.model) END,
                       c.model, c.partition LOOP
    IF NOT v_p.repairable THEN
      RETURN QUERY SELECT v_p.model, v_p.partition, v_p.key, v_p.problem, 'left'::text, v_p.fix;
      CONTINUE;
    END IF;
    v_started := clock_timestamp();
    BEGIN
      IF v_p.problem = 'forgotten table' THEN
        DELETE FROM parting.offline o WHERE format('%I.%I', o.schema_name, o.table_name) = v_p.partition;
      ELSE
        v_cfg := parting._model(v_p.model);
        PERFORM set_config('lock_timeout', v_settings.lock_timeout, true);
        IF v_p.problem = 'missing partition' THEN
          -- ensure_partition knows the premake window, and makes what is missing of it.
          PERFORM parting.ensure_partition(v_cfg.root_model);
        ELSIF v_p.problem = 'distribution' THEN
          v_rel := v_p.partition::regclass;
          PERFORM parting._lock_all(v_settings.lock_timeout, v_settings.lock_tries, ARRAY[v_rel], ARRAY['ACCESS EXCLUSIVE']);
          IF NOT parting._distribute(v_cfg, v_rel) THEN
            EXECUTE format('SELECT %s($1, colocate_with => $2)', parting._citus_name('update_distributed_table_colocation'))
              USING v_rel, (SELECT format('%I.%I', c.schema_name, c.table_name) FROM parting.config c
                             WHERE c.model = v_cfg.distribution ->> 'colocate_with');
          END IF;
        ELSIF v_p.problem = 'missing member' THEN
          SELECT t.lower, t.is_default INTO v_t FROM parting._made_tables(parting._model(v_cfg.parent_model)) t WHERE t.suffix = v_p.key;
          PERFORM parting._create_family(parting._model(v_cfg.root_model), v_t.lower, v_t.is_default);
        ELSE
          v_rel := v_p.partition::regclass;
          SELECT t.* INTO v_t FROM parting._made_tables(v_cfg) t WHERE t.rel = v_rel;
          IF v_p.problem = 'missing bound check' THEN
            PERFORM parting._lock_all(v_settings.lock_timeout, v_settings.lock_tries, ARRAY[v_rel], ARRAY['ACCESS EXCLUSIVE']);
            IF EXISTS (SELECT FROM pg_constraint k WHERE k.conrelid = v_rel AND k.conname = parting._name(v_t.relname, 'bound')) THEN
              EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', v_rel, parting._name(v_t.relname, 'bound'));
            END IF;
            EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I CHECK (%s) NOT VALID', v_rel, parting._name(v_t.relname, 'bound'),
                           parting._bound_check(v_cfg, v_t.lower, v_t.upper));
            EXECUTE format('ALTER TABLE %s VALIDATE CONSTRAINT %I', v_rel, parting._name(v_t.relname, 'bound'));
          ELSIF v_p.problem IN ('missing foreign key', 'foreign key') THEN
            SELECT coalesce(CASE WHEN o.model IS NOT NULL THEN to_regclass(format('%I.%I', o.schema_name, o.table_name)) END,
                            to_regclass(format('%I.%I', up.schema_name, parting._name(up.table_name, v_t.suffix))))
              INTO v_target
              FROM parting.config up LEFT JOIN parting.offline o ON o.model = up.model AND o.suffix = v_t.suffix
             WHERE up.model = v_cfg.parent_model;
            PERFORM parting._lock_all(v_settings.lock_timeout, v_settings.lock_tries, ARRAY[v_target, v_rel], ARRAY['SHARE ROW EXCLUSIVE', 'ACCESS EXCLUSIVE']);
            SELECT k.oid INTO v_con FROM pg_constraint k WHERE k.conrelid = v_rel AND k.conname = parting._name(v_t.relname, v_cfg.fk_tag);
            IF v_con IS NULL OR (SELECT k.confrelid FROM pg_constraint k WHERE k.oid = v_con) <> v_target
               OR NOT parting._fk_matches(v_cfg, v_con) THEN
              IF v_con IS NOT NULL THEN
                EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', v_rel, parting._name(v_t.relname, v_cfg.fk_tag));
              END IF;
              EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s NOT VALID', v_rel, parting._name(v_t.relname, v_cfg.fk_tag),
                             parting._fk_clause(v_cfg, v_target::text));
            END IF;
            EXECUTE format('ALTER TABLE %s VALIDATE CONSTRAINT %I', v_rel, parting._name(v_t.relname, v_cfg.fk_tag));
          ELSIF v_p.problem = 'missing index' THEN
            PERFORM parting._lock_all(v_settings.lock_timeout, v_settings.lock_tries, ARRAY[v_rel], ARRAY['SHARE']);
            PERFORM parting._repair_indexes(v_cfg, v_rel, v_t.relname, v_t.state = 'attached');
          ELSIF v_p.problem IN ('owner', 'grants') THEN
            PERFORM parting._lock_all(v_settings.lock_timeout, v_settings.lock_tries, ARRAY[v_rel], ARRAY['ACCESS EXCLUSIVE']);
            PERFORM parting._own_like(v_rel, format('%I.%I', v_cfg.schema_name, v_cfg.table_name)::regclass);
          END IF;
        END IF;
      END IF;
      PERFORM parting._log(coalesce(v_p.model, '*'), v_p.partition, 'repaired',
                           jsonb_build_object('problem', v_p.problem, 'was', v_p.detail),
                           clock_timestamp() - v_started);
      RETURN QUERY SELECT v_p.model, v_p.partition, v_p.key, v_p.problem, 'repaired'::text, v_p.fix;
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS v_message = MESSAGE_TEXT;
      -- Logged as it is returned: 'skipped' when its locks could not be had, else 'failed'.
      PERFORM parting._log(coalesce(v_p.model, '*'), v_p.partition, CASE WHEN SQLSTATE = '55P03' THEN 'skipped' ELSE 'failed' END,
                           jsonb_build_object('step', 'repair', 'problem', v_p.problem, 'sqlstate', SQLSTATE, 'error', v_message),
                           clock_timestamp() - v_started);
      RETURN QUERY SELECT v_p.model, v_p.partition, v_p.key, v_p.problem, CASE WHEN SQLSTATE = '55P03' THEN 'skipped' ELSE 'failed' END, v_message;
    END;
  END LOOP;
END;
$$;

COMMENT ON FUNCTION parting.repair() IS
$c$Fixes what parting.check() finds and is safe to fix (missing partitions and family members, foreign keys, indexes, bound checks, owners and grants, forgotten records), each fix under lock_timeout and logged; returns what it repaired, skipped, failed or left.$c$;
