-- Before PostgreSQL 17 a partition does not share its parent's identity: pgpart leaves
-- identity out of LIKE (it would give the partition a sequence of its own, and rows
-- written straight into it would collide on id) and sets the partition's column default
-- to the parent's sequence instead (p_set); a table leaving its parent must lose that
-- default again, or the parent could not be dropped later. PostgreSQL 17+ links an
-- attached partition to the parent's identity and unlinks it on DETACH by itself.
CREATE OR REPLACE FUNCTION parting._identity_default(p_part text, p_parent regclass, p_set boolean)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_col record;
  v_grantee text;
BEGIN
  IF current_setting('server_version_num')::integer >= 170000 THEN
    RETURN;
  END IF;
  FOR v_col IN
    SELECT a.attname, pg_get_serial_sequence(p_parent::text, a.attname) AS seq
      FROM pg_attribute a
     WHERE a.attrelid = p_parent AND a.attidentity <> '' AND NOT a.attisdropped
       AND a.attname::text IS DISTINCT FROM (SELECT d.column_name FROM parting._distribution(to_regclass(p_part)) d)
  LOOP
    IF p_set THEN
      EXECUTE format('ALTER TABLE %s ALTER COLUMN %I SET DEFAULT nextval(%L::regclass)', p_part, v_col.attname, v_col.seq);
      -- Through the parent, an identity needs no privilege on its sequence; this default does:
      -- roles that may insert into the parent may use its sequence, so they can insert into
      -- the partition directly too.
      FOR v_grantee IN
        SELECT g.name
          FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a
         CROSS JOIN LATERAL (SELECT CASE WHEN a.grantee = 0 THEN 'public' ELSE a.grantee::regrole::text END AS name) g
         WHERE c.oid = p_parent AND a.privilege_type = 'INSERT' AND a.grantee <> c.relowner
           AND NOT has_sequence_privilege(g.name, v_col.seq, 'USAGE')
      LOOP
        EXECUTE format('GRANT USAGE ON SEQUENCE %s TO %s', v_col.seq, v_grantee);
      END LOOP;
    ELSE
      EXECUTE format('ALTER TABLE %s ALTER COLUMN %I DROP DEFAULT', p_part, v_col.attname);
    END IF;
  END LOOP;
END;
$$;
