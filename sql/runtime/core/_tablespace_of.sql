-- The tablespace a table's data is in: its own, or the database's default one.
CREATE OR REPLACE FUNCTION parting._tablespace_of(p_rel regclass)
RETURNS name
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT coalesce((SELECT t.spcname FROM pg_class r JOIN pg_tablespace t ON t.oid = r.reltablespace WHERE r.oid = p_rel),
                  (SELECT t.spcname FROM pg_database d JOIN pg_tablespace t ON t.oid = d.dattablespace
                    WHERE d.datname = current_database()))
$$;
