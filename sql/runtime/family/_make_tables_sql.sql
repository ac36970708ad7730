-- The DDL that makes the tables of p_cfgs (models of one family, parents before dependents)
-- for one suffix, not yet attached, as one script, in that order: for each,
--   CREATE TABLE p (LIKE parent,          ACCESS SHARE on the parent; no INCLUDING IDENTITY
--                                         (see parting._identity_default)
--     CHECK matching the bounds,          lets ATTACH skip scanning p
--     keys and constraints, named here,   so PostgreSQL never names (or truncates) them
--     FOREIGN KEY to the parent model's   the partition foreign key (parting._fk_clause);
--       partition of the same suffix)     made with the table, it needs no validating scan
--   the parent's owner and grants         as parting._own_like gives them
--   the id default                        as parting._identity_default sets it (before 17)
--   indexes, named here
-- A dependent's foreign key references its parent model's table of the suffix by name, made
-- earlier in the same script or existing already. A distributed model's table (Citus) gets
-- neither its foreign key nor its id default here: a foreign key to a distributed table
-- must come from a distributed table colocated with it, and the id default must leave the
-- distribution column alone, which only the made table can tell (parting._make_table adds
-- both after). On PostgreSQL 18 the NOT NULL constraints still need their names
-- (parting._not_null_names).
--
-- Everything the tables need is read in one statement: each statement more (and each SQL
-- function call, planned at every call) would cost every new partition its own execution.
CREATE OR REPLACE FUNCTION parting._make_tables_sql(p_cfgs parting.config[], p_suffix text, p_lower text, p_upper text,
                                                    p_default boolean)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
-- A few rows, which the planner, not knowing how few, could estimate worth compiling (JIT):
-- hundreds of milliseconds for a statement of a fraction of one. And one plan for every call:
-- the values never change its shape, and planning it anew at each call (a custom plan for
-- the values, which PL/pgSQL otherwise keeps choosing) costs more than running it.
SET jit = off
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  v_script text;
  v_orphan text;
BEGIN
  -- Each model's keys and indexes, in config order, with their column lists.
  -- Lists are joined by array_to_string(ARRAY(…)), not string_agg: an aggregate's set-up,
  -- at every call for each list, cost more than the lists.
  WITH ix AS (
    SELECT g.i AS m, x.n, x.kind, x.method, x.tag, x.columns,
           array_to_string(ARRAY(SELECT format('%I', c) FROM unnest(x.columns) WITH ORDINALITY AS u(c, o) ORDER BY o), ', ') AS cols
      FROM generate_subscripts(p_cfgs, 1) AS g(i)
     CROSS JOIN LATERAL ROWS FROM (jsonb_to_recordset((p_cfgs[g.i]).indexes) AS (kind text, columns text[], method text, tag text))
           WITH ORDINALITY AS x(kind, columns, method, tag, n)
  )
  SELECT string_agg(t.script, ';' ORDER BY t.i),
         min(t.model) FILTER (WHERE t.parent_model IS NOT NULL AND t.target IS NULL)
    INTO v_script, v_orphan
    FROM (
  SELECT m.i, (m.cfg).model, (m.cfg).parent_model, ref.target,
         format('CREATE TABLE %s (LIKE %s INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED '
                'INCLUDING STORAGE INCLUDING COMMENTS%s%s%s)%s',
                m.part, p.rel,
                CASE WHEN p_default THEN ''
                     ELSE format(', CONSTRAINT %I CHECK (%s)', parting._name(m.name, 'bound'), parting._bound_check(m.cfg, p_lower, p_upper)) END,
                array_to_string(ARRAY(SELECT format(', CONSTRAINT %I %s (%s)%s', parting._name(m.name, i.tag),
                                                    CASE i.kind WHEN 'primary' THEN 'PRIMARY KEY' ELSE 'UNIQUE' END, i.cols, m.ix_space)
                                        FROM ix i WHERE i.m = m.i AND i.kind IN ('primary', 'unique') ORDER BY i.n), ''),
                CASE WHEN ref.target IS NOT NULL AND m.inline
                     THEN format(', CONSTRAINT %I %s', parting._name(m.name, (m.cfg).fk_tag), parting._fk_clause(m.cfg, ref.target)) ELSE '' END,
                m.space)
         -- parting._own_like's owner and grants.
         || CASE WHEN pg_get_userbyid(p.owner) <> current_user
                 THEN format(';ALTER TABLE %s OWNER TO %s', m.part, p.owner::regrole) ELSE '' END
         || array_to_string(ARRAY(SELECT format(';GRANT %s ON %s TO %s%s', a.privilege_type, m.part,
                                                CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE a.grantee::regrole::text END,
                                                CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END)
                                    FROM aclexplode(p.acl) a WHERE a.grantee <> p.owner), '')
         -- parting._identity_default's id default, and USAGE on its sequence for the roles
         -- that may insert into the parent.
         || array_to_string(ARRAY(SELECT format(';ALTER TABLE %s ALTER COLUMN %I SET DEFAULT nextval(%L::regclass)', m.part, s.attname, s.seq)
                                         || array_to_string(ARRAY(SELECT format(';GRANT USAGE ON SEQUENCE %s TO %s', s.seq, g.name)
                                                                    FROM aclexplode(p.acl) a
                                                                   CROSS JOIN LATERAL (SELECT CASE WHEN a.grantee = 0 THEN 'public' ELSE a.grantee::regrole::text END AS name) g
                                                                   WHERE a.privilege_type = 'INSERT' AND a.grantee <> p.owner
                                                                     AND NOT has_sequence_privilege(g.name, s.seq, 'USAGE')), '')
                                    FROM (SELECT a.attname, pg_get_serial_sequence(p.rel::text, a.attname) AS seq
                                            FROM pg_attribute a
                                           WHERE a.attrelid = p.rel AND a.attidentity <> '' AND NOT a.attisdropped
                                             AND m.inline AND current_setting('server_version_num')::integer < 170000
                                           ORDER BY a.attnum) s), '')
         || array_to_string(ARRAY(SELECT CASE i.kind
                                           WHEN 'index' THEN format(';CREATE INDEX %I ON %s USING %I (%s)%s', parting._name(m.name, i.tag), m.part, i.method, i.cols, m.space)
                                           ELSE format(';CREATE UNIQUE INDEX %I ON %s (%s)%s', parting._name(m.name, i.tag), m.part, i.cols, m.space) END
                                    FROM ix i WHERE i.m = m.i AND i.kind IN ('index', 'local_unique') ORDER BY i.n), '')
         -- A default partition is searched by key: by run_maintenance for rows waiting there,
         -- and by the drain that moves them. Index the key unless an index already leads with it.
         || CASE WHEN p_default AND NOT EXISTS (SELECT FROM ix i WHERE i.m = m.i AND i.columns[1] = (m.cfg).key_column)
                 THEN format(';CREATE INDEX %I ON %s (%I)%s', parting._name(m.name, (m.cfg).key_column || '_idx'), m.part,
                             (m.cfg).key_column, m.space)
                 ELSE '' END AS script
    -- Each model once (OFFSET 0 keeps the planner from joining the catalogs to the models
    -- wholesale): its table's name, its parent table, its parent model's table of the same
    -- key, wherever it is (in the archive schema when archived: a dependent added later gets
    -- partitions for archived keys too).
    FROM (SELECT g.i, c.cfg, c.name, format('%I.%I', (c.cfg).schema_name, c.name) AS part,
                 (c.cfg).distribution IS NULL AS inline,
                 CASE WHEN (c.cfg).tablespace IS NULL THEN '' ELSE format(' TABLESPACE %I', (c.cfg).tablespace) END AS space,
                 CASE WHEN (c.cfg).tablespace IS NULL THEN '' ELSE format(' USING INDEX TABLESPACE %I', (c.cfg).tablespace) END AS ix_space,
                 format('%I.%I', (c.cfg).schema_name, (c.cfg).table_name)::regclass AS parent,
                 (SELECT format('%I.%I', coalesce((SELECT o.schema_name FROM parting.offline o WHERE o.model = r.model AND o.suffix = p_suffix),
                                                  r.schema_name),
                                parting._name(r.table_name, p_suffix))
                    FROM parting.config r WHERE r.model = (c.cfg).parent_model) AS target
            FROM generate_subscripts(p_cfgs, 1) AS g(i)
           CROSS JOIN LATERAL (SELECT p_cfgs[g.i] AS cfg, parting._name((p_cfgs[g.i]).table_name, p_suffix) AS name) c
          OFFSET 0) m
   CROSS JOIN LATERAL (SELECT c.oid::regclass AS rel, c.relowner AS owner, c.relacl AS acl
                         FROM pg_class c WHERE c.oid = m.parent OFFSET 0) p
   CROSS JOIN LATERAL (SELECT m.target) ref
    ) t;
  IF v_orphan IS NOT NULL THEN
    RAISE EXCEPTION 'model "%" references a model that has no config row', v_orphan
      USING ERRCODE = 'invalid_parameter_value', HINT = 'install the config again (pgpart apply)';
  END IF;
  RETURN v_script;
END;
$$;
