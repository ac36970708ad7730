-- Makes the shadow family follow every write to the old tables from this moment on: for each
-- member, a trigger function of its own in the shadow schema (static SQL, made from the
-- config: no per-row planning of dynamic SQL) and an AFTER ROW trigger on the old table.
-- A row's old version is deleted from the shadow, its new version inserted, with a
-- dependent's key taken from its parents in the old tables. When a row's key moves (a
-- parent's key updated, a dependent given another parent), its descendants in the shadow
-- move with it: the old tables never carried their key, so nothing else would. A key no
-- shadow partition holds yet gets its partition first (parting._adopt_partition). TRUNCATE
-- empties the shadow table too. Runs in adopt_start's transaction: SHARE ROW EXCLUSIVE on
-- each old table, for a catalog change.
--
-- The trigger functions run as the adopting role (SECURITY DEFINER, with the pinned path):
-- the application's writers are often another role, granted on the old tables only, and
-- must neither need grants on the shadow schema and pgpart's tables nor own a partition
-- their write makes. What a writer may change is still checked on the old table, by its own
-- privileges; the functions are revoked from PUBLIC (a trigger function cannot be called
-- directly anyway).
CREATE OR REPLACE FUNCTION parting._adopt_capture(p_root text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_a parting.adoption;
  v_m jsonb;
  v_c record;
  v_rootcfg jsonb;
  v_keytype text;
  v_table text;
  v_shadow text;
  v_old text;
  v_key_of text;
  v_old_key_of text;
  v_insert text;
  v_moves text;
  v_body text;
  v_fn text;
BEGIN
  SELECT * INTO v_a FROM parting.adoption WHERE model = p_root;
  v_rootcfg := v_a.members -> 0 -> 'config';
  SELECT format_type(a.atttypid, a.atttypmod) INTO v_keytype FROM pg_attribute a
   WHERE a.attrelid = format('%I.%I', v_a.schema_name, v_rootcfg ->> 'table_name')::regclass
     AND a.attname = v_rootcfg ->> 'key_column' AND NOT a.attisdropped;

  FOR v_m IN SELECT m FROM jsonb_array_elements(v_a.members) m LOOP
    v_table := v_m #>> '{config,table_name}';
    v_shadow := format('%I.%I', v_a.shadow_schema, v_table);
    v_old := format('%I.%I', v_a.schema_name, v_table);
    IF to_regclass(v_old) IS NULL THEN
      CONTINUE; -- a dependent made new: no writes to follow
    END IF;
    v_c := parting._adopt_chain(v_a.members, v_m #>> '{config,model}', v_a.schema_name);
    IF v_m #>> '{config,parent_model}' IS NULL THEN
      v_key_of := format('NEW.%I', v_m #>> '{config,key_column}');
      v_old_key_of := format('OLD.%I', v_m #>> '{config,key_column}');
    ELSE
      -- The key through the parents, from the new row's and the old row's foreign key.
      -- FOR SHARE of the parents' rows: a writer moving a parent's key now waits for this
      -- one (or this one for it, then reads the key it moved to), so the key read here is
      -- never one the parent is being moved away from.
      v_key_of := format('(SELECT %s FROM (VALUES (%s)) s(%s)%s FOR SHARE OF %s)', v_c.key_expr,
                         (SELECT string_agg(format('NEW.%I', f), ', ') FROM unnest(v_c.fk) f),
                         (SELECT string_agg(format('%I', f), ', ') FROM unnest(v_c.fk) f), v_c.joins,
                         array_to_string(v_c.aliases[2:], ', '));
      v_old_key_of := format('(SELECT %s FROM (VALUES (%s)) s(%s)%s)', v_c.key_expr,
                             (SELECT string_agg(format('OLD.%I', f), ', ') FROM unnest(v_c.fk) f),
                             (SELECT string_agg(format('%I', f), ', ') FROM unnest(v_c.fk) f), v_c.joins);
    END IF;
    v_insert := format('INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE VALUES (%s)', v_shadow,
                       (SELECT string_agg(format('%I', c), ', ' ORDER BY n) FROM unnest(v_c.cols) WITH ORDINALITY x(c, n)),
                       (SELECT string_agg(CASE WHEN e LIKE 's.%' THEN 'NEW.' || substr(e, 3) ELSE 'v_key' END, ', ' ORDER BY n)
                          FROM unnest(v_c.exprs) WITH ORDINALITY x(e, n)));
    v_moves := parting._adopt_moves(v_a, v_m #>> '{config,model}');
    v_body := format($f$
DECLARE
  v_key %1$s;
  v_old_key %1$s;
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    TRUNCATE %2$s;
    RETURN NULL;
  END IF;
  -- The new row's key first: a dependent's locks its parents' old rows (FOR SHARE), and
  -- every writer takes its old rows' locks before it touches a row of the shadow family.
  -- The other order deadlocks with a parent's key move: that writer holds the parent's row
  -- and its trigger moves this row in the shadow, while this one, having deleted it there,
  -- waited for the parent's row.
  IF TG_OP <> 'DELETE' THEN
    v_key := %4$s;
  END IF;
  IF TG_OP <> 'INSERT' THEN
    DELETE FROM %2$s WHERE %3$s;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    BEGIN
      %5$s;
    EXCEPTION WHEN check_violation THEN
      -- No partition of the shadow family holds this key yet.
      PERFORM parting._adopt_partition(%6$L, to_jsonb(v_key) #>> '{}');
      %5$s;
    END;
    IF TG_OP = 'UPDATE' THEN
      v_old_key := %7$s;
      IF v_old_key IS DISTINCT FROM v_key THEN
        %8$s
      END IF;
    END IF;
  END IF;
  RETURN NULL;
END
$f$, v_keytype, v_shadow,
      (SELECT string_agg(format('%I = OLD.%I', p, p), ' AND ') FROM unnest(v_c.pk) p)
        || CASE WHEN v_m #>> '{config,parent_model}' IS NULL THEN format(' AND %I = OLD.%I', v_rootcfg ->> 'key_column', v_rootcfg ->> 'key_column') ELSE '' END,
      v_key_of, v_insert, p_root, v_old_key_of, coalesce(v_moves, 'NULL;'));
    v_fn := format('%I.%I', v_a.shadow_schema, parting._name('pgpart_capture', v_table));
    EXECUTE format('CREATE OR REPLACE FUNCTION %s() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS %L',
                   v_fn, v_body);
    EXECUTE format('REVOKE ALL ON FUNCTION %s() FROM PUBLIC', v_fn);
    EXECUTE format('CREATE TRIGGER pgpart_adopt_capture AFTER INSERT OR UPDATE OR DELETE ON %s FOR EACH ROW EXECUTE FUNCTION %s()', v_old, v_fn);
    EXECUTE format('CREATE TRIGGER pgpart_adopt_capture_truncate AFTER TRUNCATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION %s()', v_old, v_fn);
  END LOOP;
END;
$$;
