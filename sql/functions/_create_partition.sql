-- Creates one partition of one model, without ever taking ACCESS EXCLUSIVE on the parent:
--   CREATE TABLE p (LIKE parent)          ACCESS SHARE on the parent
--   CHECK matching the bounds             lets ATTACH skip scanning p
--   indexes and constraints, named here   so PostgreSQL never names (or truncates) them
--   FOREIGN KEY to the parent model's     the partition foreign key (DESIGN F2)
--     partition of the same suffix
--   ATTACH PARTITION                      SHARE UPDATE EXCLUSIVE on the parent, under lock_timeout
-- Returns NULL when the partition is already attached; refuses a same-named table that is
-- not a partition of this model rather than adopt or replace it.
CREATE OR REPLACE FUNCTION parting._create_partition(p_cfg parting.config, p_suffix text, p_lower text, p_upper text,
                                                     p_default boolean DEFAULT false)
RETURNS regclass
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_started timestamptz := clock_timestamp();
  v_parent text := format('%I.%I', p_cfg.schema_name, p_cfg.table_name);
  v_name text := parting._name(p_cfg.table_name, p_suffix);
  v_part text := format('%I.%I', p_cfg.schema_name, v_name);
  v_key text := p_cfg.key_column;
  v_existing regclass := to_regclass(v_part);
  v_clause text;
  v_check text;
  v_space text := CASE WHEN p_cfg.tablespace IS NULL THEN '' ELSE format(' TABLESPACE %I', p_cfg.tablespace) END;
  v_ix record;
  v_cols text;
  v_col record;
  v_ref parting.config;
  v_default regclass;
  v_stranded boolean;
BEGIN
  IF v_existing IS NOT NULL THEN
    IF EXISTS (SELECT FROM pg_inherits WHERE inhrelid = v_existing AND inhparent = v_parent::regclass) THEN
      RETURN NULL;
    END IF;
    RAISE EXCEPTION 'table % exists but is not a partition of %', v_part, v_parent
      USING ERRCODE = 'duplicate_table', HINT = 'rename or drop it, or attach it with ALTER TABLE ... ATTACH PARTITION';
  END IF;

  IF p_default THEN
    v_clause := 'DEFAULT';
  ELSIF p_cfg.strategy = 'list' THEN
    v_clause := format('FOR VALUES IN (%L)', p_lower);
    v_check := format('%I IS NOT NULL AND %I = %L', v_key, v_key, p_lower);
  ELSE
    v_clause := format('FOR VALUES FROM (%L) TO (%L)', p_lower, p_upper);
    v_check := format('%I IS NOT NULL AND %I >= %L AND %I < %L', v_key, v_key, p_lower, v_key, p_upper);
  END IF;

  -- No INCLUDING IDENTITY: it would give the partition a sequence of its own, and rows
  -- written straight into it would collide on id (DESIGN F5).
  EXECUTE format('CREATE TABLE %s (LIKE %s INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED '
                 'INCLUDING STORAGE INCLUDING COMMENTS)%s', v_part, v_parent, v_space);

  -- PostgreSQL 17+ links an attached partition to the parent's identity by itself; before
  -- that, the partition's column takes its values from the parent's sequence.
  IF current_setting('server_version_num')::integer < 170000 THEN
    FOR v_col IN
      SELECT a.attname, pg_get_serial_sequence(v_parent, a.attname) AS seq
        FROM pg_attribute a
       WHERE a.attrelid = v_parent::regclass AND a.attidentity <> '' AND NOT a.attisdropped
    LOOP
      EXECUTE format('ALTER TABLE %s ALTER COLUMN %I SET DEFAULT nextval(%L::regclass)', v_part, v_col.attname, v_col.seq);
    END LOOP;
  END IF;

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

  IF p_cfg.parent_model IS NOT NULL THEN
    v_ref := parting._model(p_cfg.parent_model);
    EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I FOREIGN KEY (%s) REFERENCES %I.%I (%s) ON DELETE %s',
                   v_part, parting._name(v_name, p_cfg.fk_tag),
                   (SELECT string_agg(format('%I', c), ', ') FROM unnest(p_cfg.fk_columns) AS c),
                   v_ref.schema_name, parting._name(v_ref.table_name, p_suffix),
                   (SELECT string_agg(format('%I', c), ', ') FROM unnest(p_cfg.ref_columns) AS c),
                   CASE p_cfg.on_delete WHEN 'cascade' THEN 'CASCADE' WHEN 'restrict' THEN 'RESTRICT'
                                        WHEN 'set null' THEN 'SET NULL' ELSE 'NO ACTION' END);
  END IF;

  -- ATTACH would fail on rows of this key sitting in the default partition, with an error
  -- that names neither the key nor the cure; say both.
  v_default := to_regclass(format('%I.%I', p_cfg.schema_name, parting._name(p_cfg.table_name, 'default')));
  IF v_check IS NOT NULL AND v_default IS NOT NULL THEN
    EXECUTE format('SELECT EXISTS (SELECT FROM %s WHERE %s)', v_default, v_check) INTO v_stranded;
    IF v_stranded THEN
      RAISE EXCEPTION 'the default partition % holds rows for partition % of model "%"', v_default, v_name, p_cfg.model
        USING ERRCODE = 'check_violation',
              HINT = 'move those rows out of the default partition (with their dependents), then create the partition';
    END IF;
  END IF;

  PERFORM parting._exec(format('ALTER TABLE %s ATTACH PARTITION %s %s', v_parent, v_part, v_clause), p_cfg.lock_timeout);

  INSERT INTO parting.history (model, partition, action, detail, duration)
  VALUES (p_cfg.model, v_name, 'created',
          jsonb_build_object('suffix', p_suffix, 'lower', p_lower, 'upper', p_upper, 'default', p_default),
          clock_timestamp() - v_started);
  RETURN v_part::regclass;
END;
$$;
