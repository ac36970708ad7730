-- The key guard's trigger function (see parting._key_guard): on a parent's partition, before
-- an UPDATE that changes the key, refuses the change when the new key belongs to another
-- partition and the row has dependents (rows of a model referencing it, with its key).
-- SQLSTATE 23001 (restrict_violation): an integrity error, as clients and ORMs expect of a
-- refused write. TG_ARGV[0]: the model; TG_ARGV[1]: 'archive' on the model's archive table
-- (parting._archive_key_guard), where the partitions and the dependents are the archive
-- tables' of the same names, in the archive table's schema.
-- It runs as pgpart's owner (SECURITY DEFINER, the path pinned): the application's writers
-- are often a role granted on the tables alone, with no USAGE on schema parting, and a
-- guard that failed with "permission denied" would refuse every key change of theirs, even
-- one inside the partition. What it reads (the config, whether dependents exist) it answers
-- only as the refusal; what the writer may change is checked on the table, by its own
-- privileges. Revoked from PUBLIC: only the trigger calls it.
CREATE OR REPLACE FUNCTION parting._key_guard_trigger()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_cfg parting.config := parting._model(TG_ARGV[0]);
  v_dep parting.config;
  v_new text;
  v_to regclass;
  v_has boolean;
  v_id text;
  v_at timestamptz;
  v_wall timestamp;
  v_archive text; -- the archive table's schema, on an archive table
  v_dep_table regclass;
BEGIN
  IF TG_ARGV[1] = 'archive' THEN
    -- The schema of the archive table this partition is attached to (not the archive schema
    -- setting: a table archived before that changed stays where it was).
    SELECT n.nspname INTO v_archive
      FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace n ON n.oid = p.relnamespace
     WHERE i.inhrelid = TG_RELID;
    v_cfg.schema_name := v_archive;
  END IF;
  -- Where the new key goes, read as PostgreSQL routes it (the canonical text of the typed
  -- value, whatever the session's TimeZone or DateStyle).
  IF v_cfg.key_type = 'timestamptz' THEN
    EXECUTE format('SELECT ($1).%I', v_cfg.key_column) INTO v_at USING NEW;
    v_new := parting._canonical_abs(v_cfg, v_at);
  ELSIF v_cfg.key_type IN ('timestamp', 'date') THEN
    EXECUTE format('SELECT ($1).%I::timestamp', v_cfg.key_column) INTO v_wall USING NEW;
    v_new := parting._canonical_wall(v_cfg, v_wall);
  ELSE
    EXECUTE format('SELECT ($1).%I::text', v_cfg.key_column) INTO v_new USING NEW;
    v_new := parting._canonical(v_cfg, v_new);
  END IF;
  BEGIN
    v_to := parting._partition_of(v_cfg, v_new, v_new);
  EXCEPTION WHEN invalid_parameter_value THEN
    IF v_archive IS NULL THEN
      RETURN NEW; -- no partition takes it: PostgreSQL refuses the row itself
    END IF;
    -- No archived partition of that name: PostgreSQL refuses the row unless a table attached
    -- there by hand takes it, so it is taken to leave (refused either way when it has dependents).
    v_to := NULL;
  END;
  IF v_to IS NOT DISTINCT FROM TG_RELID::regclass THEN
    RETURN NEW; -- inside the partition: ON UPDATE CASCADE carries the dependents
  END IF;
  FOR v_dep IN SELECT * FROM parting.config c WHERE c.parent_model = v_cfg.model ORDER BY c.model LOOP
    IF v_archive IS NOT NULL THEN
      v_dep.schema_name := v_archive; -- the dependent's archive table, if it has one
    END IF;
    v_dep_table := to_regclass(format('%I.%I', v_dep.schema_name, v_dep.table_name));
    CONTINUE WHEN v_dep_table IS NULL;
    EXECUTE format('SELECT EXISTS (SELECT FROM %s d WHERE %s AND d.%I = ($1).%I)', v_dep_table,
                   (SELECT string_agg(format('d.%I = ($1).%I', f, r), ' AND ') FROM unnest(v_dep.fk_columns, v_dep.ref_columns) AS u(f, r)),
                   v_dep.key_column, v_cfg.key_column)
      INTO v_has USING OLD;
    IF v_has THEN
      EXECUTE format('SELECT concat_ws(%L, %s)', ', ',
                     (SELECT string_agg(format('($1).%I', r), ', ') FROM unnest(v_dep.ref_columns) AS r))
        INTO v_id USING OLD;
      RAISE EXCEPTION 'model "%": the %row % = % has rows of model "%" depending on it, and its new % belongs to another partition',
                      v_cfg.model, CASE WHEN v_archive IS NULL THEN '' ELSE 'archived ' END,
                      array_to_string(v_dep.ref_columns, ', '), v_id, v_dep.model, v_cfg.key_column
        USING ERRCODE = 'restrict_violation',
              DETAIL = format('PostgreSQL moves a row to another partition by deleting it and inserting it there: %s',
                              CASE v_dep.on_delete WHEN 'cascade' THEN 'its dependents would be deleted'
                                                   WHEN 'set null' THEN 'its dependents would be cut loose'
                                                   ELSE 'its dependents'' foreign keys would refuse the delete' END),
              HINT = CASE WHEN v_archive IS NULL
                          THEN format('move it with its dependents: SELECT parting.move_key(%L, %L, <new %s>)', v_cfg.model, v_id, v_cfg.key_column)
                          ELSE format('an archived row keeps its key: attach its partition back (SELECT parting.attach_partition(%L, <key>)) '
                                      'and the one it goes to, then SELECT parting.move_key(%L, %L, <new %s>)',
                                      v_cfg.root_model, v_cfg.model, v_id, v_cfg.key_column) END;
    END IF;
  END LOOP;
  RETURN NEW;
END;
$$;

REVOKE ALL ON FUNCTION parting._key_guard_trigger() FROM PUBLIC;
