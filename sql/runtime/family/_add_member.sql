-- A dependent model added to a parent model that already has partitions gets one of its
-- own for every key the parent has, in the same state: attached ones attached (the default
-- partition too), detached and filling ones as detached tables, archived ones archived,
-- each with its partition foreign key to the parent's partition of that key and its
-- indexes. The new model has no rows, so nothing moves; its parent table is new, so
-- attaching waits for nobody, and each foreign key takes SHARE ROW EXCLUSIVE on the parent
-- partition it references until the install commits.
CREATE OR REPLACE PROCEDURE parting._add_member(p_model text)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_cfg parting.config := parting._model(p_model);
  v_up parting.config := parting._model(v_cfg.parent_model);
  v_parent regclass := format('%I.%I', v_cfg.schema_name, v_cfg.table_name)::regclass;
  v_k record;
  v_part regclass;
  v_archive regclass;
BEGIN
  FOR v_k IN
    SELECT p.key AS suffix, p.lower, p.upper, p.is_default, 'attached'::text AS state
      FROM parting._attached(v_up.model) p
    UNION ALL
    SELECT o.suffix, o.lower, o.upper, false, o.state
      FROM parting.offline o
     WHERE o.model = v_up.model AND to_regclass(format('%I.%I', o.schema_name, o.table_name)) IS NOT NULL
       AND NOT EXISTS (SELECT FROM parting._attached(v_up.model) a WHERE a.key = o.suffix)
     ORDER BY 1
  LOOP
    CONTINUE WHEN to_regclass(format('%I.%I', v_cfg.schema_name, parting._name(v_cfg.table_name, CASE WHEN v_k.is_default THEN 'default' ELSE v_k.suffix END))) IS NOT NULL;
    v_part := parting._make_table(v_cfg, CASE WHEN v_k.is_default THEN 'default' ELSE v_k.suffix END, v_k.lower, v_k.upper, v_k.is_default);
    IF v_k.state = 'attached' THEN
      EXECUTE format('ALTER TABLE %s ATTACH PARTITION %s %s', v_parent, v_part, parting._clause(v_cfg, v_k.lower, v_k.upper, v_k.is_default));
    ELSE
      -- Offline like its parent's partition: no id default drawn from the model's sequence.
      PERFORM parting._identity_default(v_part::text, v_parent, false);
      INSERT INTO parting.offline (model, suffix, schema_name, table_name, lower, upper, state)
      VALUES (v_cfg.model, v_k.suffix, v_cfg.schema_name, parting._name(v_cfg.table_name, v_k.suffix), v_k.lower, v_k.upper,
              CASE WHEN v_k.state = 'archived' THEN 'detached' WHEN v_k.state = 'detaching' THEN 'detached' ELSE v_k.state END);
      IF v_k.state = 'archived' THEN
        PERFORM parting._offline_action(v_cfg, v_k.suffix, 'archive');
      END IF;
    END IF;
    PERFORM parting._log(v_cfg.model, parting._name(v_cfg.table_name, CASE WHEN v_k.is_default THEN 'default' ELSE v_k.suffix END), 'created',
                         jsonb_build_object('suffix', v_k.suffix, 'lower', v_k.lower, 'upper', v_k.upper, 'default', v_k.is_default,
                           'state', v_k.state, 'reason', 'a dependent model added to partitions that exist'));
  END LOOP;
END;
$$;
