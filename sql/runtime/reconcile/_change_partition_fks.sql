-- A dependent's partition foreign keys that differ from what parting._fk_clause says they
-- are (over the key column too, ON UPDATE CASCADE, ON DELETE as the config asks), or that an
-- interrupted `pgpart apply` left NOT VALID, on every table of its family. One query finds
-- them (parting._fk_matches' comparison, with the clause cut once by parting._fk_affix); each is made again in one ALTER TABLE (DROP
-- CONSTRAINT, ADD CONSTRAINT ... NOT VALID: catalog only, ACCESS EXCLUSIVE on the partition
-- and SHARE ROW EXCLUSIVE on the parent partition it references), then validated, which
-- scans the partition under SHARE UPDATE EXCLUSIVE only: in the install's transaction with
-- psql -f, after it with `pgpart apply`.
-- A foreign key that did not bind the key column (an older pgpart's) may have let in rows
-- whose key disagrees with their parent's, which validating would refuse: those tables are
-- read first (parting._key_mismatches), and each that holds such rows is a refusal naming
-- the table, how many, one of them and the UPDATE that makes them agree. pgpart does not
-- change the application's rows itself: which key is right is the application's to say.
-- p_rels and p_kinds: the family's tables and their kinds (parting._model_tables, read once
-- per model by parting._changes, not again here).
CREATE OR REPLACE FUNCTION parting._change_partition_fks(p_cfg parting.config, p_rels regclass[], p_kinds text[])
RETURNS SETOF parting.change
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_fk record;
  v_bad record;
  v_sql text[] := '{}';
  v_validate text[] := '{}';
  v_later parting.statement[] := '{}';
  v_locks regclass[] := '{}';
  v_refs regclass[] := '{}';
  v_remade integer := 0;
  v_refused boolean := false;
  v_affix text[];
BEGIN
  IF p_cfg.parent_model IS NULL OR to_regclass('parting.config') IS NULL
     OR NOT EXISTS (SELECT FROM parting.config c WHERE c.model = p_cfg.parent_model)
     -- a dependent given another parent or other columns: refused or made anew elsewhere
     OR NOT EXISTS (SELECT FROM parting.config c WHERE c.model = p_cfg.model AND c.parent_model = p_cfg.parent_model
                       AND c.fk_columns = p_cfg.fk_columns AND c.ref_columns = p_cfg.ref_columns AND c.key_column = p_cfg.key_column) THEN
    RETURN;
  END IF;
  v_affix := parting._fk_affix(p_cfg);
  FOR v_fk IN
    SELECT t.rel, k.conname, k.confrelid::regclass AS target, k.convalidated, m.matches,
           -- whether the constraint as it is binds the key column (then no row can disagree)
           (k.convalidated AND EXISTS (SELECT FROM unnest(k.conkey) AS u(attnum)
                                        JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum
                                       WHERE a.attname = p_cfg.key_column)) AS bound
      FROM unnest(p_rels, p_kinds) AS t(rel, kind)
      JOIN pg_class r ON r.oid = t.rel
      JOIN pg_constraint k ON k.conrelid = t.rel AND k.contype = 'f' AND k.conname = parting._name(r.relname::text, p_cfg.fk_tag)
     CROSS JOIN LATERAL (SELECT regexp_replace(pg_get_constraintdef(k.oid), ' NOT VALID$', '')
                                = v_affix[1] || k.confrelid::regclass::text || v_affix[2] AS matches) m
     WHERE t.kind IN ('partition', 'offline', 'archived')
       AND NOT (m.matches AND k.convalidated)
     ORDER BY t.rel::text
  LOOP
    IF NOT v_fk.bound THEN
      SELECT * INTO v_bad FROM parting._key_mismatches(p_cfg, v_fk.rel, v_fk.target);
      IF v_bad.n > 0 THEN
        v_refused := true;
        RETURN NEXT parting._refusal(p_cfg.model, 'alter foreign key', v_fk.rel::text,
          format('models.%s.partitionForeignKey: %s row(s) of %s carry a %s their %s row does not have (e.g. %s). '
                 'The partition foreign key now covers the key column too and would refuse them; make them agree '
                 '(each gets its %s''s key and stays in its partition), then install again: %s',
                 p_cfg.model, v_bad.n, v_fk.rel, p_cfg.key_column, p_cfg.parent_model, v_bad.sample,
                 p_cfg.parent_model, v_bad.fix));
        CONTINUE;
      END IF;
    END IF;
    IF NOT v_fk.matches THEN
      v_sql := v_sql || format('ALTER TABLE %s DROP CONSTRAINT %I, ADD CONSTRAINT %I %s NOT VALID',
                               v_fk.rel, v_fk.conname, v_fk.conname, parting._fk_clause(p_cfg, v_fk.target::text));
      v_locks := v_locks || v_fk.rel;
      v_refs := v_refs || v_fk.target;
      v_remade := v_remade + 1;
    END IF;
    v_validate := v_validate || format('ALTER TABLE %s VALIDATE CONSTRAINT %I', v_fk.rel, v_fk.conname);
    v_later := v_later || ROW('validate', format('%s.%I', v_fk.rel, v_fk.conname), v_validate[cardinality(v_validate)], true)::parting.statement;
  END LOOP;
  IF v_refused OR cardinality(v_validate) = 0 THEN
    RETURN;
  END IF;
  RETURN NEXT parting._change(p_cfg.model, CASE WHEN v_remade > 0 THEN 'alter foreign key' ELSE 'validate foreign key' END,
    p_cfg.fk_tag,
    CASE WHEN v_remade > 0 THEN format('%s partition foreign key(s) re-made as the config asks (%s), NOT VALID and then validated',
                                       v_remade, parting._fk_clause(p_cfg, '<' || p_cfg.parent_model || '''s partition>'))
         ELSE format('%s partition foreign key(s) left NOT VALID, validated', cardinality(v_validate)) END,
    parting._locks(v_refs, 'SHARE ROW EXCLUSIVE') || parting._locks(v_locks, 'ACCESS EXCLUSIVE'),
    CASE WHEN v_remade > 0 THEN 'ACCESS EXCLUSIVE on each dependent partition and SHARE ROW EXCLUSIVE on the partition it references (catalog only); '
         ELSE '' END || 'validating: SHARE UPDATE EXCLUSIVE, no writer waits',
    v_sql, v_validate, NULL, v_later);
END;
$$;
