-- A dependent's partition foreign keys that differ from what parting._fk says they are (ON
-- DELETE as the config asks; the default partition's with the key column), or that an
-- interrupted `pgpart apply` left NOT VALID, on every table of its family: each is made
-- again in one ALTER TABLE (DROP CONSTRAINT, ADD CONSTRAINT ... NOT VALID: catalog only,
-- ACCESS EXCLUSIVE on the partition and SHARE ROW EXCLUSIVE on the parent partition it
-- references), then validated, which scans the partition under SHARE UPDATE EXCLUSIVE
-- only: in the install's transaction with psql -f, after it with `pgpart apply`.
CREATE OR REPLACE FUNCTION parting._change_foreign_keys(p_cfg parting.config)
RETURNS SETOF parting.change
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_fk record;
  v_want "char" := CASE p_cfg.on_delete WHEN 'restrict' THEN 'r' WHEN 'cascade' THEN 'c' WHEN 'set null' THEN 'n' ELSE 'a' END;
  v_sql text[] := '{}';
  v_validate text[] := '{}';
  v_later parting.statement[] := '{}';
  v_locks regclass[] := '{}';
  v_refs regclass[] := '{}';
  v_remade integer := 0;
BEGIN
  IF p_cfg.parent_model IS NULL THEN
    RETURN;
  END IF;
  FOR v_fk IN
    SELECT t.rel, k.conname, k.confrelid::regclass AS target, k.confdeltype, k.convalidated, want.*,
           ARRAY(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY AS u(attnum, n)
                   JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum ORDER BY u.n) AS have_columns,
           pg_get_constraintdef(k.oid) AS def
      FROM parting._model_tables(p_cfg) t
      JOIN pg_constraint k ON k.conrelid = t.rel AND k.contype = 'f'
                          AND k.conname = parting._name((SELECT r.relname FROM pg_class r WHERE r.oid = t.rel), p_cfg.fk_tag)
     CROSS JOIN LATERAL parting._fk(p_cfg, EXISTS (SELECT FROM pg_class r WHERE r.oid = t.rel
                                                    AND r.relname = parting._name(p_cfg.table_name, 'default'))) AS want
     WHERE t.kind IN ('partition', 'offline', 'archived')
     ORDER BY t.rel::text
  LOOP
    IF v_fk.confdeltype <> v_want OR v_fk.have_columns <> v_fk.columns
       OR (v_fk.on_delete LIKE 'SET NULL (%' AND v_fk.def NOT LIKE '%' || v_fk.on_delete) THEN
      v_sql := v_sql || format('ALTER TABLE %s DROP CONSTRAINT %I, ADD CONSTRAINT %I FOREIGN KEY (%s) REFERENCES %s (%s) ON DELETE %s NOT VALID',
                               v_fk.rel, v_fk.conname, v_fk.conname,
                               (SELECT string_agg(format('%I', c), ', ') FROM unnest(v_fk.columns) AS c), v_fk.target,
                               (SELECT string_agg(format('%I', c), ', ') FROM unnest(v_fk.ref_columns) AS c), v_fk.on_delete);
      v_locks := v_locks || v_fk.rel;
      v_refs := v_refs || v_fk.target;
      v_remade := v_remade + 1;
    ELSIF v_fk.convalidated THEN
      CONTINUE;
    END IF;
    v_validate := v_validate || format('ALTER TABLE %s VALIDATE CONSTRAINT %I', v_fk.rel, v_fk.conname);
    v_later := v_later || ROW('validate', format('%s.%I', v_fk.rel, v_fk.conname), v_validate[cardinality(v_validate)], true)::parting.statement;
  END LOOP;
  IF cardinality(v_validate) = 0 THEN
    RETURN;
  END IF;
  RETURN NEXT parting._change(p_cfg.model, CASE WHEN v_remade > 0 THEN 'alter foreign key' ELSE 'validate foreign key' END,
    p_cfg.fk_tag,
    CASE WHEN v_remade > 0 THEN format('%s partition foreign key(s) re-made as the config asks (ON DELETE %s; the default partition''s with the key column), NOT VALID and then validated', v_remade, upper(p_cfg.on_delete))
         ELSE format('%s partition foreign key(s) left NOT VALID, validated', cardinality(v_validate)) END,
    parting._locks(v_refs, 'SHARE ROW EXCLUSIVE') || parting._locks(v_locks, 'ACCESS EXCLUSIVE'),
    CASE WHEN v_remade > 0 THEN 'ACCESS EXCLUSIVE on each dependent partition and SHARE ROW EXCLUSIVE on the partition it references (catalog only); '
         ELSE '' END || 'validating: SHARE UPDATE EXCLUSIVE, no writer waits',
    v_sql, v_validate, NULL, v_later);
END;
$$;
