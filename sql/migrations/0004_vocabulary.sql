-- The actions a parting.history row may name: the list src/contract.ts holds
-- (HISTORY_ACTIONS; test/unit/contract.test.ts holds the two together), so a misspelt
-- action is an error where it is written rather than a row no reader finds. NOT VALID:
-- rows an earlier pgpart wrote are kept as they are, and adding the constraint reads none.
ALTER TABLE parting.history ADD CONSTRAINT history_action_check CHECK (action IN (
  'created', 'moved', 'attached', 'detached', 'archived', 'dropped', 'forgotten', 'quarantined',
  'analyzed', 'maintained', 'reconciled', 'repaired', 'failed', 'skipped')) NOT VALID;

-- One problem parting.check() reports (its result row), as each of its parts in
-- sql/runtime/check/ returns them; problem is one of src/contract.ts's PROBLEM_KINDS.
CREATE TYPE parting.problem AS (
  model      text,
  partition  text,
  key        text,
  problem    text,
  detail     text,
  fix        text,
  repairable boolean
);

-- A table of a model as parting.check() reads it once and hands to each of its parts: what
-- parting._made_tables says it should be, and the tablespace it is in.
CREATE TYPE parting.made_table AS (
  rel        regclass,
  relname    text,
  suffix     text,
  lower      text,
  upper      text,
  is_default boolean,
  state      text,
  spc        name
);

-- A statement `pgpart apply` runs after the install's transaction (parting.change.later),
-- described for its progress line and its lock_timeout, so the CLI never reads SQL text:
-- what it does to what ('build' / 'attach' / 'drop invalid' an index, 'validate' a foreign
-- key), and whether it may wait for older transactions without blocking writers (a
-- concurrent build or drop, a validation: waits) or must give up after lockTimeout.
CREATE TYPE parting.statement AS (
  verb   text,
  object text,
  sql    text,
  waits  boolean
);
ALTER TYPE parting.change ALTER ATTRIBUTE later SET DATA TYPE parting.statement[];
