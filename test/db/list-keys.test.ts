// List keys are checked by `pgpart build` as the runtime checks them: for text keys and for
// smallint, integer and bigint keys, a key the build accepts in partition.initial is one
// parting._canonical accepts, and a key it refuses is one the runtime refuses too. The
// empty key and keys of spaces, which once passed the build and failed the install, first.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type pg from 'pg';
import type { ConfigInput } from '../../src/config/schema.js';
import { listKeyProblem } from '../../src/model/keys.js';
import type { FreshDatabase } from '../harness/db.js';
import { install, installed } from '../harness/install.js';
import { logged, pgError } from './helpers.js';

const TYPES = ['text', 'smallint', 'integer', 'bigint'] as const;

/** One list model per key type, keyed on column k, with `initial` keys for the model of `type`. */
function listModels(initial: { type?: (typeof TYPES)[number]; keys?: (string | number)[] } = {}): ConfigInput {
  return {
    models: Object.fromEntries(TYPES.map((type) => [`by_${type}`, {
      columns: { id: 'bigint', k: `${type} not null` },
      partition: { by: 'list' as const, column: 'k', initial: type === initial.type ? initial.keys ?? [] : [] },
    }])),
  };
}

/** The error message of the query, or null when it succeeds. */
async function refusal(c: pg.Client, sql: string, params: unknown[]): Promise<string | null> {
  try {
    await c.query(sql, params);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

const Keys = suite<{ db?: FreshDatabase }>('list keys: refused at build as at install', {});
Keys.before(async (ctx) => {
  ctx.db = await logged('install', () => installed('list_keys', listModels()));
});
Keys.after(async (ctx) => ctx.db?.drop());

const CANDIDATES: Record<(typeof TYPES)[number], string[]> = {
  text: ['', ' ', '   ', '\t', ' a ', 'a', 'Ü', 'x'.repeat(1000), 'x'.repeat(1001), 'é'.repeat(501)],
  smallint: ['0', '-7', '32767', '32768', '-32768', '-32769', '007'],
  integer: ['2147483647', '2147483648', '-2147483648', '-2147483649'],
  bigint: ['9223372036854775807', '9223372036854775808', '-9223372036854775808', '-9223372036854775809', '99999999999999999999'],
};

Keys("the empty key and keys of spaces pass no build: the install refuses them ('the key is empty')", async (ctx) => {
  for (const key of ['', ' ']) {
    const err = await pgError(ctx.db!.client, `SELECT parting.ensure_partition('by_text', $1)`, [key]);
    assert.match(err.message, 'the key is empty');
    assert.match(listKeyProblem(key, 'text', 'text') ?? '', /is empty \(or only spaces\)/);
  }
});

for (const type of TYPES) {
  Keys(`${type} keys: the build refuses exactly what parting._canonical refuses`, async (ctx) => {
    const c = ctx.db!.client;
    for (const key of CANDIDATES[type]) {
      const atBuild = listKeyProblem(key, type === 'text' ? 'text' : 'integer', type);
      const atInstall = await refusal(c, `SELECT parting._canonical(c, $2) FROM parting.config c WHERE c.model = $1`, [`by_${type}`, key]);
      assert.is(atBuild === null, atInstall === null, `key ${JSON.stringify(key).slice(0, 30)}: build says ${atBuild ?? 'fine'}, the runtime ${atInstall ?? 'fine'}`);
    }
  });
}

Keys('keys the build accepts install: every candidate the build lets through makes its partition', async (ctx) => {
  for (const type of TYPES) {
    const keys = CANDIDATES[type].filter((k) => listKeyProblem(k, type === 'text' ? 'text' : 'integer', type) === null);
    await install(ctx.db!.url, listModels({ type, keys }));
  }
});

Keys.run();
