import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { FreshDatabase } from '../harness/db.js';
import { installed } from '../harness/install.js';
import { ensure, logged, pgError } from './helpers.js';

const Bounds = suite<{ db?: FreshDatabase }>('integer keys near the column type limits', {});
Bounds.before(async (ctx) => {
  ctx.db = await logged('install', () => installed('int_bounds', {
    models: {
      ir: { columns: { id: 'bigint', k: 'integer not null' }, partition: { by: 'range', column: 'k', interval: 1000, initial: false } },
      il: { columns: { id: 'bigint', k: 'integer not null' }, partition: { by: 'list', column: 'k' } },
    },
  }));
});
Bounds.after(async (ctx) => ctx.db?.drop());

Bounds('keys out of range for the integer column are refused with a clear error, nothing made', async (ctx) => {
  const err = await pgError(ctx.db!.client, `SELECT parting.ensure_partition('il', '99999999999')`);
  assert.is(err.code, '22023', err.message);
  assert.match(err.message, 'key "99999999999" for model "il" is out of range for its k column');
  const err2 = await pgError(ctx.db!.client, `SELECT parting.ensure_partition('ir', '-99999999999')`);
  assert.match(err2.message, 'key "-99999999999" for model "ir" is out of range for its k column');
  const { rows } = await ctx.db!.client.query(`SELECT count(*)::int AS n FROM parting.partitions()`);
  assert.is(rows[0].n, 0);
});

Bounds.run();
