-- Makes a detached partition and its model's archive table fit each other before the
-- partition is attached there, whatever was done by hand to the live table since the
-- archive table was made (parting._archive_parent gives the archive table the columns added
-- since): a column the archive table has and the partition lacks (dropped from the live
-- table) is added to the partition, empty; a NOT NULL the archive table has where the
-- partition allows NULL is dropped from the archive table (and so from every archived
-- partition: their rows keep their values). Types must already agree (parting._archive_misfit).
CREATE OR REPLACE FUNCTION parting._archive_fit(p_archive regclass, p_part regclass)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_col record;
BEGIN
  FOR v_col IN
    SELECT a.attname, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull, p.attname IS NULL AS missing,
           coalesce(NOT p.attnotnull, true) AS nullable_there
      FROM pg_attribute a
      LEFT JOIN pg_attribute p ON p.attrelid = p_part AND p.attname = a.attname AND p.attnum > 0 AND NOT p.attisdropped
     WHERE a.attrelid = p_archive AND a.attnum > 0 AND NOT a.attisdropped
     ORDER BY a.attnum
  LOOP
    IF v_col.attnotnull AND v_col.nullable_there THEN
      EXECUTE format('ALTER TABLE %s ALTER COLUMN %I DROP NOT NULL', p_archive, v_col.attname);
    END IF;
    IF v_col.missing THEN
      EXECUTE format('ALTER TABLE %s ADD COLUMN %I %s', p_part, v_col.attname, v_col.type);
    END IF;
  END LOOP;
END;
$$;
