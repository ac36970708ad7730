-- Makes every write to the old tables reach the shadow family, from this moment on: for
-- each member, a change log in the shadow schema (pgpart_log_<table>: the primary key of
-- every row written, and whether the write moved the row's partition key: the root's key
-- column changed, or a dependent's foreign key) and an AFTER ROW trigger on the old table
-- that adds the row's key to it (the old key and, when the primary key changed, the new one). The writer does one
-- small INSERT and never touches, locks or waits for the shadow family;
-- parting._adopt_replay applies the log: it reads each logged row as it is now and puts
-- that version in the shadow. TRUNCATE empties the shadow table too. Runs in adopt_start's
-- transaction (and again when an adoption an older runtime started goes on, to replace its
-- triggers): SHARE ROW EXCLUSIVE on each old table, for a catalog change, so no writer
-- running the triggers being replaced is still in flight when this commits.
--
-- The trigger functions run as the adopting role (SECURITY DEFINER, with the pinned path):
-- the application's writers are often another role, granted on the old tables only, and
-- must not need grants on the shadow schema. What a writer may change is still checked on
-- the old table, by its own privileges; the functions are revoked from PUBLIC (a trigger
-- function cannot be called directly anyway).
CREATE OR REPLACE FUNCTION parting._adopt_capture(p_root text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_a parting.adoption;
  v_m jsonb;
  v_c record;
  v_table text;
  v_old text;
  v_log text;
  v_fn text;
BEGIN
  SELECT * INTO v_a FROM parting.adoption WHERE model = p_root;
  FOR v_m IN SELECT m FROM jsonb_array_elements(v_a.members) m LOOP
    v_table := v_m #>> '{config,table_name}';
    v_old := format('%I.%I', v_a.schema_name, v_table);
    IF to_regclass(v_old) IS NULL THEN
      CONTINUE; -- a dependent made new: no writes to follow
    END IF;
    EXECUTE format('LOCK TABLE %s IN SHARE ROW EXCLUSIVE MODE', v_old);
    v_c := parting._adopt_chain(v_a.members, v_m #>> '{config,model}', v_a.schema_name);
    v_log := format('%I.%I', v_a.shadow_schema, parting._name('pgpart_log', v_table));
    IF to_regclass(v_log) IS NULL THEN
      EXECUTE format('CREATE TABLE %s AS SELECT %s, false AS pgpart_moved FROM %s WITH NO DATA', v_log,
                     (SELECT string_agg(format('%I', p), ', ' ORDER BY n) FROM unnest(v_c.pk) WITH ORDINALITY x(p, n)), v_old);
    END IF;
    v_fn := format('%I.%I', v_a.shadow_schema, parting._name('pgpart_capture', v_table));
    EXECUTE format('CREATE OR REPLACE FUNCTION %s() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS %L',
                   v_fn, format($f$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    TRUNCATE %1$s;
    RETURN NULL;
  END IF;
  IF TG_OP = 'INSERT' THEN
    INSERT INTO %2$s VALUES (%4$s, false);
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO %2$s VALUES (%3$s, false);
  ELSE
    INSERT INTO %2$s VALUES (%3$s, (%6$s) IS DISTINCT FROM (%5$s));
    IF (%4$s) IS DISTINCT FROM (%3$s) THEN
      INSERT INTO %2$s VALUES (%4$s, (%6$s) IS DISTINCT FROM (%5$s));
    END IF;
  END IF;
  RETURN NULL;
END
$f$, format('%I.%I', v_a.shadow_schema, v_table), v_log,
      (SELECT string_agg(format('OLD.%I', p), ', ' ORDER BY n) FROM unnest(v_c.pk) WITH ORDINALITY x(p, n)),
      (SELECT string_agg(format('NEW.%I', p), ', ' ORDER BY n) FROM unnest(v_c.pk) WITH ORDINALITY x(p, n)),
      -- What places the row: the root's key column, a dependent's foreign key columns.
      (SELECT string_agg(format('OLD.%I', f), ', ') FROM unnest(coalesce(v_c.fk, ARRAY[v_m #>> '{config,key_column}'])) f),
      (SELECT string_agg(format('NEW.%I', f), ', ') FROM unnest(coalesce(v_c.fk, ARRAY[v_m #>> '{config,key_column}'])) f)));
    EXECUTE format('REVOKE ALL ON FUNCTION %s() FROM PUBLIC', v_fn);
    EXECUTE format('CREATE OR REPLACE TRIGGER pgpart_adopt_capture AFTER INSERT OR UPDATE OR DELETE ON %s FOR EACH ROW EXECUTE FUNCTION %s()', v_old, v_fn);
    EXECUTE format('CREATE OR REPLACE TRIGGER pgpart_adopt_capture_truncate AFTER TRUNCATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION %s()', v_old, v_fn);
    -- Fired in every session, a logical replication subscriber's apply worker too (it runs
    -- with session_replication_role = replica, where an ordinary trigger does not fire):
    -- a write the log misses would be lost at the swap.
    EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER pgpart_adopt_capture', v_old);
    EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER pgpart_adopt_capture_truncate', v_old);
  END LOOP;
END;
$$;
