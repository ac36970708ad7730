-- The statements that detach one family's partition CONCURRENTLY, dependents first, for a
-- client to run one by one outside a transaction block (`pgpart maintain`); then
-- parting._finish_detach records and archives or drops them. The family is recorded as
-- 'detaching' first, so a run interrupted between the statements is finished by the next
-- one (or by run_maintenance, which FINALIZEs a detach left pending).
CREATE OR REPLACE FUNCTION parting._detach_concurrently(p_model text, p_suffix text)
RETURNS SETOF text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_cfg parting.config := parting._root(p_model, 'detach_partition');
  v_bounds record;
  v_m record;
BEGIN
  IF v_cfg.default_partition THEN
    RAISE EXCEPTION 'model "%" has a default partition: DETACH CONCURRENTLY is not possible', p_model
      USING ERRCODE = 'feature_not_supported', HINT = 'use CALL parting.run_maintenance() or parting.detach_partition()';
  END IF;
  SELECT p.lower, p.upper INTO v_bounds
    FROM parting._attached(p_model) p
   WHERE p.partition = to_regclass(format('%I.%I', v_cfg.schema_name, parting._name(v_cfg.table_name, p_suffix)));
  FOR v_m IN SELECT * FROM parting._members(v_cfg, p_suffix) WHERE attached ORDER BY (cfg).family_order DESC, (cfg).model DESC LOOP
    INSERT INTO parting.offline (model, suffix, schema_name, table_name, lower, upper, state)
    VALUES ((v_m.cfg).model, p_suffix, (v_m.cfg).schema_name, parting._name((v_m.cfg).table_name, p_suffix),
            v_bounds.lower, v_bounds.upper, 'detaching')
    ON CONFLICT (model, suffix) DO NOTHING;
    RETURN NEXT format('ALTER TABLE %s DETACH PARTITION %s %s', v_m.parent, v_m.part,
                       CASE WHEN (SELECT inhdetachpending FROM pg_inherits WHERE inhrelid = v_m.rel) THEN 'FINALIZE' ELSE 'CONCURRENTLY' END);
  END LOOP;
END;
$$;
