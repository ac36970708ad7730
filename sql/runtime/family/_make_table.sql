-- Makes one partition table of one model, not yet attached, shaped so that attaching it
-- later never takes ACCESS EXCLUSIVE on the parent nor scans it:
--   CREATE TABLE p (LIKE parent)          ACCESS SHARE on the parent
--   CHECK matching the bounds             lets ATTACH skip scanning p
--   indexes and constraints, named here   so PostgreSQL never names (or truncates) them
--   FOREIGN KEY to the parent model's     the partition foreign key (parting._fk_clause)
--     partition of the same suffix
-- Attaching is the caller's job (parting._create_family), after the family's locks.
CREATE OR REPLACE FUNCTION parting._make_table(p_cfg parting.config, p_suffix text, p_lower text, p_upper text,
                                               p_default boolean)
RETURNS regclass
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_parent text := format('%I.%I', p_cfg.schema_name, p_cfg.table_name);
  v_name text := parting._name(p_cfg.table_name, p_suffix);
  v_part text := format('%I.%I', p_cfg.schema_name, v_name);
  v_check text := CASE WHEN NOT p_default THEN parting._bound_check(p_cfg, p_lower, p_upper) END;
  v_space text := CASE WHEN p_cfg.tablespace IS NULL THEN '' ELSE format(' TABLESPACE %I', p_cfg.tablespace) END;
  v_ix record;
  v_cols text;
  v_ref parting.config;
BEGIN
  -- No INCLUDING IDENTITY (see parting._identity_default).
  EXECUTE format('CREATE TABLE %s (LIKE %s INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED '
                 'INCLUDING STORAGE INCLUDING COMMENTS)%s', v_part, v_parent, v_space);

  PERFORM parting._own_like(v_part::regclass, v_parent::regclass);
  PERFORM parting._identity_default(v_part, v_parent::regclass, true);
  CALL parting._not_null_names(v_part::regclass);

  IF v_check IS NOT NULL THEN
    EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I CHECK (%s)', v_part, parting._name(v_name, 'bound'), v_check);
  END IF;

  FOR v_ix IN SELECT * FROM jsonb_to_recordset(p_cfg.indexes) AS x(kind text, columns text[], method text, tag text) LOOP
    SELECT string_agg(format('%I', c), ', ') INTO v_cols FROM unnest(v_ix.columns) AS c;
    CASE v_ix.kind
      WHEN 'primary' THEN
        EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I PRIMARY KEY (%s)%s', v_part, parting._name(v_name, v_ix.tag), v_cols,
                       CASE WHEN p_cfg.tablespace IS NULL THEN '' ELSE format(' USING INDEX TABLESPACE %I', p_cfg.tablespace) END);
      WHEN 'unique' THEN
        EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I UNIQUE (%s)%s', v_part, parting._name(v_name, v_ix.tag), v_cols,
                       CASE WHEN p_cfg.tablespace IS NULL THEN '' ELSE format(' USING INDEX TABLESPACE %I', p_cfg.tablespace) END);
      WHEN 'index' THEN
        EXECUTE format('CREATE INDEX %I ON %s USING %I (%s)%s', parting._name(v_name, v_ix.tag), v_part, v_ix.method, v_cols, v_space);
      WHEN 'local_unique' THEN
        EXECUTE format('CREATE UNIQUE INDEX %I ON %s (%s)%s', parting._name(v_name, v_ix.tag), v_part, v_cols, v_space);
    END CASE;
  END LOOP;

  -- A default partition is searched by key: by run_maintenance for rows waiting there, and
  -- by the drain that moves them. Index the key unless an index already leads with it.
  IF p_default AND NOT EXISTS (SELECT FROM jsonb_array_elements(p_cfg.indexes) x
                                WHERE x->'columns'->>0 = p_cfg.key_column) THEN
    EXECUTE format('CREATE INDEX %I ON %s (%I)%s', parting._name(v_name, p_cfg.key_column || '_idx'), v_part,
                   p_cfg.key_column, v_space);
  END IF;

  IF p_cfg.parent_model IS NOT NULL THEN
    v_ref := parting._model(p_cfg.parent_model);
    -- Citus: a foreign key to a distributed table must come from a distributed table
    -- colocated with it. A partition made with its parent's (a new family) is local until
    -- both are attached, which distributes them; one made for a partition that is
    -- distributed already (a new member, an archived key) is distributed here first.
    IF p_cfg.distribution IS NOT NULL
       AND EXISTS (SELECT FROM parting._distribution(to_regclass(format('%I.%I',
                     coalesce((SELECT o.schema_name FROM parting.offline o WHERE o.model = v_ref.model AND o.suffix = p_suffix), v_ref.schema_name),
                     parting._name(v_ref.table_name, p_suffix))))) THEN
      PERFORM parting._distribute(p_cfg, v_part::regclass);
    END IF;
    -- The parent model's partition of the same key, wherever it is: in the archive schema
    -- when archived (a dependent added later gets partitions for archived keys too).
    EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s', v_part, parting._name(v_name, p_cfg.fk_tag),
                   parting._fk_clause(p_cfg, format('%I.%I',
                     coalesce((SELECT o.schema_name FROM parting.offline o WHERE o.model = v_ref.model AND o.suffix = p_suffix),
                              v_ref.schema_name),
                     parting._name(v_ref.table_name, p_suffix))::regclass::text));
  END IF;

  RETURN v_part::regclass;
END;
$$;
