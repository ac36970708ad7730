-- Makes one partition table of one model, not yet attached, shaped so that attaching it
-- later never takes ACCESS EXCLUSIVE on the parent nor scans it:
--   CREATE TABLE p (LIKE parent,          ACCESS SHARE on the parent; no INCLUDING IDENTITY
--                                         (see parting._identity_default)
--     CHECK matching the bounds,          lets ATTACH skip scanning p
--     keys and constraints, named here,   so PostgreSQL never names (or truncates) them
--     FOREIGN KEY to the parent model's   the partition foreign key (parting._fk_clause);
--       partition of the same suffix)     made with the table, it needs no validating scan
--   the parent's owner and grants         as parting._own_like gives them
--   the id default                        as parting._identity_default sets it (before 17)
--   indexes, named here
-- Attaching is the caller's job (parting._create_family), after the family's locks.
--
-- Everything the table needs is read in one statement, which writes the DDL as one script
-- run by one EXECUTE: each statement more (and each SQL function call, planned at every
-- call) would cost every new partition its own execution.
CREATE OR REPLACE FUNCTION parting._make_table(p_cfg parting.config, p_suffix text, p_lower text, p_upper text,
                                               p_default boolean)
RETURNS regclass
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_name text := parting._name(p_cfg.table_name, p_suffix);
  v_part text := format('%I.%I', p_cfg.schema_name, v_name);
  -- Citus: a foreign key to a distributed table must come from a distributed table
  -- colocated with it, and an id default must leave the distribution column alone, which
  -- only the made table can tell: a distributed model's table gets both after it is made.
  v_inline boolean := p_cfg.distribution IS NULL;
  v_target text;
  v_script text;
BEGIN
  WITH ix AS (
    SELECT x.n, x.kind, x.method, x.tag, x.columns,
           (SELECT string_agg(format('%I', c), ', ' ORDER BY o) FROM unnest(x.columns) WITH ORDINALITY AS u(c, o)) AS cols
      FROM ROWS FROM (jsonb_to_recordset(p_cfg.indexes) AS (kind text, columns text[], method text, tag text))
           WITH ORDINALITY AS x(kind, columns, method, tag, n)
  ), ref AS (
    -- The parent model's partition of the same key, wherever it is: in the archive schema
    -- when archived (a dependent added later gets partitions for archived keys too).
    SELECT format('%I.%I', coalesce((SELECT o.schema_name FROM parting.offline o WHERE o.model = r.model AND o.suffix = p_suffix),
                                    r.schema_name),
                  parting._name(r.table_name, p_suffix))::regclass::text AS target
      FROM parting.config r
     WHERE r.model = p_cfg.parent_model
  ), sp AS (
    SELECT CASE WHEN p_cfg.tablespace IS NULL THEN '' ELSE format(' TABLESPACE %I', p_cfg.tablespace) END AS space,
           CASE WHEN p_cfg.tablespace IS NULL THEN '' ELSE format(' USING INDEX TABLESPACE %I', p_cfg.tablespace) END AS ix_space
  )
  SELECT format('CREATE TABLE %s (LIKE %s INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED '
                'INCLUDING STORAGE INCLUDING COMMENTS%s%s%s)%s',
                v_part, p.rel,
                CASE WHEN p_default THEN ''
                     ELSE format(', CONSTRAINT %I CHECK (%s)', parting._name(v_name, 'bound'), parting._bound_check(p_cfg, p_lower, p_upper)) END,
                coalesce((SELECT string_agg(format(', CONSTRAINT %I %s (%s)%s', parting._name(v_name, i.tag),
                                                   CASE i.kind WHEN 'primary' THEN 'PRIMARY KEY' ELSE 'UNIQUE' END, i.cols, sp.ix_space), '' ORDER BY i.n)
                            FROM ix i WHERE i.kind IN ('primary', 'unique')), ''),
                CASE WHEN ref.target IS NOT NULL AND v_inline
                     THEN format(', CONSTRAINT %I %s', parting._name(v_name, p_cfg.fk_tag), parting._fk_clause(p_cfg, ref.target)) ELSE '' END,
                sp.space)
         -- parting._own_like's owner and grants.
         || CASE WHEN pg_get_userbyid(p.owner) <> current_user
                 THEN format(';ALTER TABLE %s OWNER TO %s', v_part, p.owner::regrole) ELSE '' END
         || coalesce((SELECT string_agg(format(';GRANT %s ON %s TO %s%s', a.privilege_type, v_part,
                                               CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE a.grantee::regrole::text END,
                                               CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END), '')
                        FROM aclexplode(p.acl) a WHERE a.grantee <> p.owner), '')
         -- parting._identity_default's id default, and USAGE on its sequence for the roles
         -- that may insert into the parent.
         || coalesce((SELECT string_agg(format(';ALTER TABLE %s ALTER COLUMN %I SET DEFAULT nextval(%L::regclass)', v_part, s.attname, s.seq)
                                        || coalesce((SELECT string_agg(format(';GRANT USAGE ON SEQUENCE %s TO %s', s.seq, g.name), '')
                                                       FROM aclexplode(p.acl) a
                                                      CROSS JOIN LATERAL (SELECT CASE WHEN a.grantee = 0 THEN 'public' ELSE a.grantee::regrole::text END AS name) g
                                                      WHERE a.privilege_type = 'INSERT' AND a.grantee <> p.owner
                                                        AND NOT has_sequence_privilege(g.name, s.seq, 'USAGE')), ''), '')
                        FROM (SELECT a.attname, pg_get_serial_sequence(p.rel::text, a.attname) AS seq
                                FROM pg_attribute a
                               WHERE a.attrelid = p.rel AND a.attidentity <> '' AND NOT a.attisdropped
                                 AND v_inline AND current_setting('server_version_num')::integer < 170000) s), '')
         || coalesce((SELECT string_agg(CASE i.kind
                                          WHEN 'index' THEN format(';CREATE INDEX %I ON %s USING %I (%s)%s', parting._name(v_name, i.tag), v_part, i.method, i.cols, sp.space)
                                          ELSE format(';CREATE UNIQUE INDEX %I ON %s (%s)%s', parting._name(v_name, i.tag), v_part, i.cols, sp.space) END,
                                        '' ORDER BY i.n)
                        FROM ix i WHERE i.kind IN ('index', 'local_unique')), '')
         -- A default partition is searched by key: by run_maintenance for rows waiting there,
         -- and by the drain that moves them. Index the key unless an index already leads with it.
         || CASE WHEN p_default AND NOT EXISTS (SELECT FROM ix i WHERE i.columns[1] = p_cfg.key_column)
                 THEN format(';CREATE INDEX %I ON %s (%I)%s', parting._name(v_name, p_cfg.key_column || '_idx'), v_part, p_cfg.key_column, sp.space)
                 ELSE '' END
         , ref.target
    INTO v_script, v_target
    FROM (SELECT c.oid::regclass AS rel, c.relowner AS owner, c.relacl AS acl
            FROM pg_class c WHERE c.oid = format('%I.%I', p_cfg.schema_name, p_cfg.table_name)::regclass) p
   CROSS JOIN sp
    LEFT JOIN ref ON true;
  IF p_cfg.parent_model IS NOT NULL AND v_target IS NULL THEN
    RAISE EXCEPTION 'model "%" references model "%", which has no config row', p_cfg.model, p_cfg.parent_model
      USING ERRCODE = 'invalid_parameter_value', HINT = 'install the config again (pgpart apply)';
  END IF;
  EXECUTE v_script;

  IF NOT v_inline THEN
    PERFORM parting._identity_default(v_part, format('%I.%I', p_cfg.schema_name, p_cfg.table_name)::regclass, true);
  END IF;
  IF current_setting('server_version_num')::integer >= 180000 THEN
    CALL parting._not_null_names(v_part::regclass);
  END IF;

  IF v_target IS NOT NULL AND NOT v_inline THEN
    -- A partition made with its parent's (a new family) is local until both are attached,
    -- which distributes them; one made for a partition that is distributed already (a new
    -- member, an archived key) is distributed here first.
    IF EXISTS (SELECT FROM parting._distribution(v_target::regclass)) THEN
      PERFORM parting._distribute(p_cfg, v_part::regclass);
    END IF;
    EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s', v_part, parting._name(v_name, p_cfg.fk_tag),
                   parting._fk_clause(p_cfg, v_target));
  END IF;

  RETURN v_part::regclass;
END;
$$;
