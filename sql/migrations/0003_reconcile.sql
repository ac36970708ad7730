-- Reconciling installs. One row per change an install would make (parting._changes): the
-- plan `pgpart plan` prints and the install carries out, the same rows. Phase orders them;
-- locks are [relation, mode] pairs taken all at once before any change runs (inline_locks
-- too, when inline runs); sql runs in the install's transaction; inline runs there too
-- unless `pgpart apply` does the same work after the transaction with `later` (CREATE
-- INDEX CONCURRENTLY and the like); a change with a refusal is never made, and refuses the
-- whole install.
CREATE TYPE parting.change AS (
  phase     integer,
  model     text,
  change    text,
  target    text,
  detail    text,
  locks     jsonb,
  lock_text text,
  sql       text[],
  inline    text[],
  inline_locks jsonb,
  later     text[],
  refusal   text
);

-- The pg_cron schedule the config asked for at the last install (so removing it from the
-- config removes the job pgpart made, and no other), and the config hash of an install
-- whose index builds `pgpart apply` has yet to finish (config_hash is written once the
-- database matches).
ALTER TABLE parting.meta ADD COLUMN schedule text;
ALTER TABLE parting.meta ADD COLUMN pending_hash text;
-- A hash of parting.config as the install wrote it, so parting.check sees rows changed by hand.
ALTER TABLE parting.meta ADD COLUMN config_rows_hash text;

-- The run guard: which session is running maintenance. A row only pgpart's own roles can
-- update (its owner, and roles it grants), unlike an advisory lock, which any role that can
-- connect could take and so keep maintenance from ever running. The holder is a session
-- (pid and start time, so a pid the server reuses is not mistaken for it); it is taken over
-- when that session is gone or has sat idle: a run is never idle, so an idle holder is a
-- run that was cancelled and could not let go.
CREATE TABLE parting.run_guard (
  singleton     boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  pid           integer,
  backend_start timestamptz,
  holder        text,
  since         timestamptz
);
INSERT INTO parting.run_guard DEFAULT VALUES;

-- Retired: parting._cron_job() returned the job's id alone; it now returns its schedule too.
DROP FUNCTION IF EXISTS parting._cron_job();
-- Retired: archives are moved by parting._move_family, with tiers and detached tables.
DROP FUNCTION IF EXISTS parting._archive_tablespace(parting.config, text);

-- Operating for years: where detached tables go, storage tiers for ageing partitions, when
-- detached and archived tables are dropped, how much backlog a run takes on, how long the
-- history is kept, and whether a run ANALYZEs the parents it changed.
ALTER TABLE parting.config ADD COLUMN detach_tablespace text;
ALTER TABLE parting.config ADD COLUMN tiers jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(tiers) = 'array');
ALTER TABLE parting.config ADD COLUMN retention_drop_after text;
ALTER TABLE parting.config ADD COLUMN catch_up integer NOT NULL DEFAULT 100 CHECK (catch_up > 0);
ALTER TABLE parting.config ADD COLUMN history_keep text NOT NULL DEFAULT '30 days';
ALTER TABLE parting.config ADD COLUMN analyze_parents boolean NOT NULL DEFAULT false;
-- Pruning the history by age, a bounded batch per run.
CREATE INDEX history_at_idx ON parting.history (at);
-- The few families a run must finish (a drain cut short, a concurrent detach interrupted),
-- found without reading every detached table's row.
CREATE INDEX offline_unfinished_idx ON parting.offline (model, suffix) WHERE state IN ('filling', 'detaching');
-- A catch-up in progress: a run found the current partition missing (maintenance was down)
-- and made the present first; the partitions missed below `until` (the current partition's
-- lower bound then) are made catchUp a run, and the row goes once none is missing. Without
-- it a run cannot tell such a backlog from a gap someone left on purpose below a current
-- partition that exists (an old month made by hand to import into), which it must not fill.
CREATE TABLE parting.catch_up (
  model text PRIMARY KEY,
  until text NOT NULL,
  since timestamptz NOT NULL DEFAULT now()
);
