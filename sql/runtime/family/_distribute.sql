-- Citus: distributes one table of a distributed model (its parent, its archive table, a
-- partition made before the table it references was distributed) by the model's
-- distribution column, colocated with the root model's table, so that every partition
-- foreign key joins rows on the same shard; the root's own table joins Citus's default
-- colocation group. Returns whether it distributed the table: false when the model is not
-- distributed, or the table already is. Citus distributes a partitioned table's partitions
-- with it, and a table attached to a distributed parent when it is attached.
CREATE OR REPLACE FUNCTION parting._distribute(p_cfg parting.config, p_rel regclass)
RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_root parting.config;
  v_with regclass;
BEGIN
  IF p_cfg.distribution IS NULL OR EXISTS (SELECT FROM parting._distribution(p_rel)) THEN
    RETURN false;
  END IF;
  IF NOT parting._citus() THEN
    RAISE EXCEPTION 'model "%" is distributed (distribution in the config) but the citus extension is not installed in this database', p_cfg.model
      USING ERRCODE = 'feature_not_supported',
            HINT = 'install Citus (CREATE EXTENSION citus on the coordinator and the workers, citus_add_node), or remove distribution from the config';
  END IF;
  SELECT * INTO v_root FROM parting.config c WHERE c.model = p_cfg.distribution ->> 'colocate_with';
  v_with := to_regclass(format('%I.%I', v_root.schema_name, v_root.table_name));
  EXECUTE format('SELECT %s($1, $2, colocate_with => $3)', parting._citus_name('create_distributed_table'))
    USING p_rel, p_cfg.distribution ->> 'column', CASE WHEN v_with IS NULL OR v_with = p_rel THEN 'default' ELSE v_with::text END;
  RETURN true;
END;
$$;
