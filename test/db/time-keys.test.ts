// Time keys at the edges: a timestamptz key that names its own zone (a zone name, an
// abbreviation, an offset of one digit) is the instant PostgreSQL reads it as, so
// partition_for and ensure_partition give the partition PostgreSQL routes that row to; a key
// without a zone is wall-clock time in the model's zone from a session in any zone; and
// times no partition can hold (BC, infinity, past the last time PostgreSQL stores) are
// refused with an error naming the key and the model, making nothing.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type pg from 'pg';
import type { ConfigInput } from '../../src/config/schema.js';
import type { FreshDatabase } from '../harness/db.js';
import { installed } from '../harness/install.js';
import { ensure, logged, pgError, rolledBackIn, scalar } from './helpers.js';

const NY = 'America/New_York';

const config: ConfigInput = {
  timezone: 'UTC',
  models: {
    tz: { columns: { id: 'bigint generated always as identity', at: 'timestamptz not null' },
          partition: { by: 'range', column: 'at', interval: '1 month', initial: false } },
    ny: { columns: { id: 'bigint generated always as identity', at: 'timestamptz not null' },
          partition: { by: 'range', column: 'at', interval: '1 month', timezone: NY, initial: false } },
    ts: { columns: { id: 'bigint generated always as identity', at: 'timestamp not null' },
          partition: { by: 'range', column: 'at', interval: '1 month', timezone: NY, initial: false } },
    dt: { columns: { id: 'bigint generated always as identity', at: 'date not null' },
          partition: { by: 'range', column: 'at', interval: '1 month', timezone: NY, initial: false } },
  },
};

const Keys = suite<{ db?: FreshDatabase }>('time keys: zones named in the key, BC, infinity, the last time', {});
Keys.before(async (ctx) => {
  ctx.db = await logged('install', () => installed('time_keys', config));
});
Keys.after(async (ctx) => ctx.db?.drop());


/** The partition PostgreSQL itself routes a row with this key value to. */
async function routed(c: pg.Client, model: string, value: string): Promise<string> {
  return scalar<string>(c, `INSERT INTO ${model} (at) VALUES ($1) RETURNING tableoid::regclass::text`, [value]);
}

async function partitionFor(c: pg.Client, model: string, value: string, cast = 'text'): Promise<string> {
  return scalar<string>(c, `SELECT parting.partition_for($1, $2::${cast})::text`, [model, value]);
}

async function partitionCount(c: pg.Client): Promise<number> {
  return Number(await scalar(c, 'SELECT count(*) FROM parting.partitions()'));
}

// Each key is near New Year, where reading it as wall-clock time (its zone dropped) gives
// the other month.
const zoned: [model: string, key: string, partition: string][] = [
  ['tz', '2026-12-31 23:00 America/New_York', 'tz_2027_01'],
  ['tz', '2026-12-31 23:00 EST', 'tz_2027_01'],
  ['tz', '2027-01-01 01:00+5', 'tz_2026_12'],
  ['tz', '2026-12-31 20:00 -5', 'tz_2027_01'],
  ['ny', '2027-01-01 02:00 UTC', 'ny_2026_12'],
  ['ny', '2027-01-01 02:00 Europe/Berlin', 'ny_2026_12'],
  ['ny', '2027-01-01 10:00 Asia/Tokyo', 'ny_2026_12'],
];

for (const [model, key, partition] of zoned) {
  Keys(`${model}: '${key}' is the instant it names: ensure_partition makes ${partition}, PostgreSQL routes the row there, partition_for says so`, async (ctx) => {
    const c = ctx.db!.client;
    await rolledBackIn(c, 'Pacific/Kiritimati', async () => {
      assert.equal(await ensure(c, model, key), [partition]);
      // Both months exist now: partition_for must pick the right one, not just any.
      await ensure(c, model, '2026-12');
      await ensure(c, model, '2027-01');
      assert.is(await routed(c, model, key), partition);
      assert.is(await partitionFor(c, model, key), partition);
      assert.is(await partitionFor(c, model, key, 'timestamptz'), partition);
      assert.is(await scalar(c, `SELECT current_setting('TimeZone')`), 'Pacific/Kiritimati');
    });
  });
}

Keys('a key without a zone is wall-clock time in the model\'s zone, also from sessions in UTC and Asia/Kathmandu', async (ctx) => {
  const c = ctx.db!.client;
  for (const tz of ['UTC', 'Asia/Kathmandu', 'Pacific/Kiritimati', NY]) {
    await rolledBackIn(c, tz, async () => {
      await ensure(c, 'tz', '2026-12');
      await ensure(c, 'tz', '2027-01');
      await ensure(c, 'ny', '2026-12');
      await ensure(c, 'ny', '2027-01');
      for (const [model, zone, key, partition] of [
        ['tz', 'UTC', '2026-12-31 23:30', 'tz_2026_12'], ['tz', 'UTC', '2027-01-01 00:30', 'tz_2027_01'],
        ['ny', NY, '2026-12-31 23:30', 'ny_2026_12'], ['ny', NY, '2027-01-01 00:30', 'ny_2027_01'],
      ] as const) {
        assert.is(await partitionFor(c, model, key), partition, `${model} ${key} from ${tz}`);
        // The same wall-clock time, made an instant in the model's zone, goes there too.
        assert.is(await scalar(c, `INSERT INTO ${model} (at) VALUES ($1::timestamp AT TIME ZONE $2) RETURNING tableoid::regclass::text`,
          [key, zone]), partition, `${model} ${key} from ${tz}`);
      }
    });
  }
});

Keys('timestamp and date keys drop a zone in the key, as PostgreSQL does when it stores them', async (ctx) => {
  const c = ctx.db!.client;
  await rolledBackIn(c, 'UTC', async () => {
    for (const model of ['ts', 'dt']) {
      await ensure(c, model, '2026-12');
      await ensure(c, model, '2027-01');
      for (const key of ['2026-12-31 23:00 Asia/Tokyo', '2026-12-31 23:00+14', '2026-12-31 23:00 America/Los_Angeles']) {
        assert.is(await routed(c, model, key), `${model}_2026_12`, `${model} ${key}`);
        assert.is(await partitionFor(c, model, key), `${model}_2026_12`, `${model} ${key}`);
      }
    }
  });
});

Keys('the caller\'s TimeZone is unchanged by a zoned key, in and out of a transaction, also when the call fails', async (ctx) => {
  const c = ctx.db!.client;
  const zone = () => scalar<string>(c, `SELECT current_setting('TimeZone')`);
  await c.query(`SET TimeZone = 'Pacific/Chatham'`);
  try {
    await ensure(c, 'tz', '2027-01');
    assert.is(await partitionFor(c, 'tz', '2026-12-31 23:00 EST'), 'tz_2027_01');
    assert.is(await zone(), 'Pacific/Chatham');
    const bad = await pgError(c, `SELECT parting.partition_for('tz', 'garbage')`);
    assert.is(bad.code, '22007');
    assert.match(bad.message, 'malformed key "garbage" for model "tz"');
    assert.is(await zone(), 'Pacific/Chatham');

    await c.query('BEGIN');
    await c.query(`SET LOCAL TimeZone = 'America/Sao_Paulo'`);
    assert.is(await partitionFor(c, 'tz', '2026-12-31 23:00 EST'), 'tz_2027_01');
    assert.is(await zone(), 'America/Sao_Paulo');
    await c.query('SAVEPOINT s');
    await pgError(c, `SELECT parting.ensure_partition('tz', '2026-12-31 25:00 EST')`);
    await c.query('ROLLBACK TO SAVEPOINT s');
    assert.is(await zone(), 'America/Sao_Paulo');
    // An instant written with the session's own zone is still that instant.
    assert.is(await partitionFor(c, 'tz', '2026-12-31 23:00 America/Sao_Paulo'), 'tz_2027_01');
    await c.query('COMMIT');
    assert.is(await zone(), 'Pacific/Chatham');
  } finally {
    await c.query('ROLLBACK').catch(() => {});
    await c.query('RESET TimeZone');
    await c.query(`SELECT parting.detach_partition('tz', '2027-01', 'drop')`);
  }
});

Keys('BC keys are refused with an error naming the key and the model; nothing is made', async (ctx) => {
  const c = ctx.db!.client;
  const before = await partitionCount(c);
  for (const [model, key] of [['tz', '0044-03-15 BC'], ['tz', '0044-03-15 12:00+02 BC'], ['ny', '0044-03-15 BC'],
                              ['ts', '0044-03-15 BC'], ['dt', '0044-03-15 BC'], ['tz', '0001-12-31 23:00 BC']]) {
    for (const fn of ['ensure_partition', 'partition_for']) {
      const err = await pgError(c, `SELECT parting.${fn}($1, $2)`, [model, key]);
      assert.is(err.code, '22023', `${fn} ${model} ${key}: ${err.message}`);
      assert.is(err.message, `key "${key}" for model "${model}" is before year 1 (BC): pgpart makes no partitions for BC times`);
    }
  }
  for (const [model, cast] of [['tz', 'timestamptz'], ['ny', 'timestamp'], ['ts', 'timestamptz'], ['dt', 'date']]) {
    const err = await pgError(c, `SELECT parting.partition_for($1, '0044-03-15 BC'::${cast})`, [model]);
    assert.is(err.code, '22023', `${model} ${cast}: ${err.message}`);
    assert.match(err.message, new RegExp(`^model "${model}": .* BC is before year 1 \\(BC\\)`));
  }
  assert.is(await partitionCount(c), before);
});

Keys('year 1 AD has its partition: bounds in AD, the row goes there', async (ctx) => {
  const c = ctx.db!.client;
  await rolledBackIn(c, 'UTC', async () => {
    assert.equal(await ensure(c, 'tz', '0001-01-01'), ['tz_0001_01']);
    assert.is(await scalar(c, `SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE oid = 'tz_0001_01'::regclass`),
      "FOR VALUES FROM ('0001-01-01 00:00:00+00') TO ('0001-02-01 00:00:00+00')");
    assert.is(await routed(c, 'tz', '0001-01-15 12:00+00'), 'tz_0001_01');
    assert.is(await partitionFor(c, 'tz', '0001-01-15 12:00+00'), 'tz_0001_01');
  });
});

Keys('infinity and -infinity (text, timestamptz, timestamp, date) have no partition: a clear error', async (ctx) => {
  const c = ctx.db!.client;
  const before = await partitionCount(c);
  for (const model of ['tz', 'ny', 'ts', 'dt']) {
    for (const key of ['infinity', '-infinity']) {
      for (const fn of ['ensure_partition', 'partition_for']) {
        const err = await pgError(c, `SELECT parting.${fn}($1, $2)`, [model, key]);
        assert.is(err.code, '22023', `${fn} ${model} ${key}: ${err.message}`);
        assert.is(err.message, `key "${key}" for model "${model}" is not a finite time: no partition holds it`);
      }
      for (const cast of ['timestamptz', 'timestamp', 'date']) {
        const err = await pgError(c, `SELECT parting.partition_for($1, $2::${cast})`, [model, key]);
        assert.is(err.code, '22023', `${model} ${key}::${cast}: ${err.message}`);
        assert.is(err.message, `model "${model}": ${key} has no partition`);
      }
    }
  }
  assert.is(await partitionCount(c), before);
});

Keys('a partition that would end after the last time PostgreSQL stores is refused clearly; the month before is made', async (ctx) => {
  const c = ctx.db!.client;
  const before = await partitionCount(c);
  for (const [model, key] of [['tz', '294276-12-15'], ['ny', '294276-12-01'], ['ts', '294276-12-15']]) {
    const err = await pgError(c, `SELECT parting.ensure_partition($1, $2)`, [model, key]);
    assert.is(err.code, '22023', `${model} ${key}: ${err.message}`);
    assert.match(err.message, new RegExp(`^model "${model}": the partition holding .* would end after 294276-12-31`));
  }
  assert.is(await partitionCount(c), before);
  await rolledBackIn(c, 'UTC', async () => {
    assert.equal(await ensure(c, 'tz', '294276-11-15'), ['tz_294276_11']);
    assert.is(await routed(c, 'tz', '294276-11-30 23:00+00'), 'tz_294276_11');
    assert.is(await partitionFor(c, 'tz', '294276-11-30 23:00+00'), 'tz_294276_11');
  });
});

Keys.run();
