-- PostgreSQL 18 records NOT NULL constraints in pg_constraint and names them itself
-- (<table>_<column>_not_null), cutting the name at 63 bytes, and LIKE copies the parent's
-- names. pgpart names them by its own rule instead, as it names every other constraint it
-- makes: parting._name(<table>, <column>_not_null), so no name is ever truncated and each
-- partition's constraint names its partition. Renames only what differs (a rename takes
-- ACCESS EXCLUSIVE on the table); before 18 there is nothing to name.
CREATE OR REPLACE PROCEDURE parting._not_null_names(p_rel regclass)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_c record;
BEGIN
  IF current_setting('server_version_num')::integer < 180000 THEN
    RETURN;
  END IF;
  FOR v_c IN
    SELECT k.conname, parting._name(r.relname, a.attname || '_not_null') AS wanted
      FROM pg_constraint k
      JOIN pg_class r ON r.oid = k.conrelid
      JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
     WHERE k.conrelid = p_rel AND k.contype = 'n'
  LOOP
    IF v_c.conname <> v_c.wanted THEN
      EXECUTE format('ALTER TABLE %s RENAME CONSTRAINT %I TO %I', p_rel, v_c.conname, v_c.wanted);
    END IF;
  END LOOP;
END;
$$;
