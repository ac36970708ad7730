// Maintenance of an integer range model (interval 1000, premake 1, retention keep 2
// partitions): the plan takes the current partition from max(id), creates premake ahead
// of it and retires every partition whose upper bound is at most max(id) - keep*interval;
// run_maintenance carries that plan out, detaching the old partitions with their rows.

import * as assert from 'uvu/assert';
import type { ConfigInput } from '../../src/config/schema.js';
import { rows } from './helpers.js';
import { call, count, dbSuite, historySince, lastHistoryId, lines, partitionsOf } from './maintenance-helpers.js';

const intConfig: ConfigInput = {
  models: {
    ev: {
      columns: { id: 'bigint not null', body: 'text' },
      primaryKey: ['id'],
      partition: { by: 'range', column: 'id', interval: 1000, premake: 1, initial: false, retention: { keep: 2, action: 'detach' } },
    },
  },
};

const IntRange = dbSuite('run_maintenance: integer range, keep 2 partitions, premake 1', 'maint_int', intConfig, async (c) => {
  for (let k = 0; k <= 5000; k += 1000) await c.query(`SELECT parting.ensure_partition('ev', $1)`, [String(k)]);
  await c.query(`INSERT INTO ev (id, body) SELECT g, 'x' FROM generate_series(0, 5500, 250) g`);
});

IntRange('the plan: current = the partition of max(id) 5500; create 6000 (5000 exists); retire upper <= 5500 - 2*1000', async (ctx) => {
  const c = ctx.db!.client;
  assert.equal(await rows(c, `SELECT step, arg FROM parting._due(parting._model('ev'))`), [
    { step: 'create', arg: '6000' },
    { step: 'retire', arg: '0' }, { step: 'retire', arg: '1000' }, { step: 'retire', arg: '2000' },
  ]);
});

IntRange('run_maintenance makes ev_6000 and detaches ev_0, ev_1000, ev_2000', async (ctx) => {
  const c = ctx.db!.client;
  const since = await lastHistoryId(c);
  await call(c);
  const h = await historySince(c, since);
  assert.equal(lines(h), ['created ev ev_6000', 'detached ev ev_0', 'detached ev ev_1000', 'detached ev ev_2000', 'maintained ev']);
  assert.equal(h.at(-1)!.detail, { 'create:done': 1, 'retire:done': 3 });
  assert.equal(await rows(c, `SELECT partition::text, lower, upper FROM parting.partitions('ev') WHERE state = 'attached' ORDER BY lower::bigint`), [
    { partition: 'ev_3000', lower: '3000', upper: '4000' },
    { partition: 'ev_4000', lower: '4000', upper: '5000' },
    { partition: 'ev_5000', lower: '5000', upper: '6000' },
    { partition: 'ev_6000', lower: '6000', upper: '7000' },
  ]);
  assert.equal(await partitionsOf(c, 'ev', 'detached'), ['ev_0', 'ev_1000', 'ev_2000']);
  assert.is(await count(c, 'ev'), 11); // 3000..5500 step 250
  assert.is(await count(c, 'ev_0') + await count(c, 'ev_1000') + await count(c, 'ev_2000'), 12);
});

IntRange.run();
