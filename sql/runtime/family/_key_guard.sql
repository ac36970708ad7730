-- The key guard of a model that other models reference (a parent): the one place it is
-- decided whether a parent's table gets one, and what it is. A cross-partition UPDATE of a
-- parent's key is a DELETE from its partition and an INSERT into another, and the partition
-- foreign keys reference the partition: with ON DELETE CASCADE its dependents would be
-- deleted, with SET NULL cut loose, with NO ACTION or RESTRICT the UPDATE fails with an error
-- about a delete nobody asked for. The guard, a BEFORE UPDATE row trigger on the parent
-- table (PostgreSQL clones it onto every partition, present and future), refuses the move
-- of a row that has dependents, naming the model, the row and parting.move_key, which moves
-- the row with its dependents; a row without dependents moves as PostgreSQL moves it, and a
-- key changed inside its partition is carried to the dependents by ON UPDATE CASCADE.
-- A distributed family (Citus) gets none: Citus refuses triggers on distributed tables, and its
-- foreign keys are ON UPDATE NO ACTION, so there a parent's key change with dependents is
-- refused by the foreign key itself; parting.move_key moves the family there too.
-- Returns the CREATE TRIGGER statement for p_cfg's parent table, or NULL when the model needs
-- none (p_dependents: whether any model references it, in the config being installed).
CREATE OR REPLACE FUNCTION parting._key_guard(p_cfg parting.config, p_dependents boolean)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT parting._key_guard_statement(p_cfg, p_dependents, format('%I.%I', p_cfg.schema_name, p_cfg.table_name), false)
$$;
