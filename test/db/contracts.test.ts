// The contracts between the TypeScript and the SQL, held together: the keys of the config
// rows the compiler writes (ConfigRow) are exactly parting.config's columns, and a row with
// a key the table lacks, or missing one it has, is refused by name instead of being
// dropped or filled with NULL; parting.plan's columns are the ones the CLI reads
// (PLAN_COLUMNS); the desired document's keys are the ones the runtime reads; its settings
// (SettingsRow) are exactly parting.settings' columns, and in no config row.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PLAN_COLUMNS } from '../../src/db/install.js';
import { validate } from '../../src/model/validate.js';
import { plan } from '../../src/plan/plan.js';
import type { FreshDatabase } from '../harness/db.js';
import { installed } from '../harness/install.js';
import { column, logged, pgError } from './helpers.js';
import { shop } from './reconcile-helpers.js';

const Contracts = suite<{ db?: FreshDatabase }>('contracts between TypeScript and SQL', {});
Contracts.before(async (ctx) => {
  ctx.db = await logged('install', () => installed('contracts', shop()));
});
Contracts.after(async (ctx) => ctx.db?.drop());

const row = () => plan(validate(shop())).desired.models[0]!.config;

Contracts('ConfigRow has exactly the columns of parting.config, in order', async (ctx) => {
  const columns = await column<string>(ctx.db!.client, `
    SELECT attname::text FROM pg_attribute WHERE attrelid = 'parting.config'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`);
  // distribution (Citus) is the one column a row may leave out: a model that is not
  // distributed has none, and parting._config_row reads it as NULL.
  assert.equal(Object.keys(row()).sort(), columns.filter((c) => c !== 'distribution').sort());
  const distributed = plan(validate(shop((m) => (m.orders!.distribution = { column: 'id' })))).desired.models[0]!.config;
  assert.equal(Object.keys(distributed).sort(), [...columns].sort());
});

Contracts('a config row with a key the table lacks, or without one it has, is refused by name', async (ctx) => {
  const c = ctx.db!.client;
  const extra = await pgError(c, `CALL parting._put_config($1::jsonb)`, [JSON.stringify({ ...row(), premade: 3 })]);
  assert.is(extra.code, '42804');
  assert.match(extra.message, 'config row of model "orders" does not fit parting.config');
  assert.match(extra.detail!, 'keys the table lacks: premade; columns the row leaves out: none');
  const { premake: _, ...short } = row();
  const missing = await pgError(c, `CALL parting._put_config($1::jsonb)`, [JSON.stringify(short)]);
  assert.match(missing.detail!, 'keys the table lacks: none; columns the row leaves out: premake');
});

const settings = () => plan(validate(shop())).desired.settings;

Contracts('SettingsRow has exactly the columns of parting.settings but singleton, in order; a settings row that does not fit is refused by name', async (ctx) => {
  const c = ctx.db!.client;
  const columns = await column<string>(c, `
    SELECT attname::text FROM pg_attribute WHERE attrelid = 'parting.settings'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`);
  assert.equal(['singleton', ...Object.keys(settings())], columns);
  const extra = await pgError(c, `CALL parting._put_settings($1::jsonb)`, [JSON.stringify({ ...settings(), lock_timout: '1s' })]);
  assert.is(extra.code, '42804');
  assert.match(extra.message, 'the settings do not fit parting.settings');
  assert.match(extra.detail!, 'keys the table lacks: lock_timout; columns the settings leave out: none');
  const { catch_up: _, ...short } = settings();
  const missing = await pgError(c, `CALL parting._put_settings($1::jsonb)`, [JSON.stringify(short)]);
  assert.match(missing.detail!, 'keys the table lacks: none; columns the settings leave out: catch_up');
});

Contracts('no parting.config column is a project-wide setting any more', async (ctx) => {
  const columns = await column<string>(ctx.db!.client, `
    SELECT attname::text FROM pg_attribute WHERE attrelid = 'parting.config'::regclass AND attnum > 0 AND NOT attisdropped`);
  assert.equal(columns.filter((k) => k in settings()), []);
});

Contracts('parting.plan returns the columns the CLI reads (PLAN_COLUMNS), in order', async (ctx) => {
  const out = await column<string[]>(ctx.db!.client, `
    SELECT proargnames[pronargs + 1:] FROM pg_proc WHERE oid = 'parting.plan(jsonb, text)'::regprocedure`);
  assert.equal(out[0], [...PLAN_COLUMNS]);
});

Contracts('the desired document carries every key parting._install and parting._changes read', async (ctx) => {
  const desired = plan(validate(shop())).desired;
  const body = (await column<string>(ctx.db!.client, `
    SELECT string_agg(prosrc, ' ') FROM pg_proc WHERE pronamespace = 'parting'::regnamespace`))[0]!;
  const read = new Set([...body.matchAll(/p_desired\s*(?:->>?|#>>?)\s*'\{?([a-z_]+)/g)].map((m) => m[1]!));
  assert.ok(read.size >= 5, [...read].join(', '));
  for (const key of read) assert.ok(key in desired, `the runtime reads p_desired -> '${key}', which plan() does not write`);
  const modelKeys = new Set([...body.matchAll(/p_m\s*->>?\s*'([a-z_]+)'/g)].map((m) => m[1]!));
  for (const key of modelKeys) assert.ok(key in desired.models[0]!, `the runtime reads p_m -> '${key}', which a desired model lacks`);
});

Contracts.run();
