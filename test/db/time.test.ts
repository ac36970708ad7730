// Time boundaries are computed in the model's pinned time zone,
// never the session's, and a DST change neither shifts a boundary nor leaves a hole or an
// overlap. Every model here lives in America/New_York; sessions run in other zones.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type pg from 'pg';
import type { ConfigInput } from '../../src/config/schema.js';
import { installed } from '../harness/install.js';
import type { FreshDatabase } from '../harness/db.js';
import { rolledBackIn } from './helpers.js';

const NY = 'America/New_York';

const config: ConfigInput = {
  schema: 'public',
  timezone: 'UTC', // every model below pins its own zone
  models: {
    m: {
      columns: { id: 'bigint generated always as identity', at: 'timestamptz not null' },
      partition: { by: 'range', column: 'at', interval: '1 month', timezone: NY, initial: false },
    },
    h: {
      columns: { id: 'bigint generated always as identity', at: 'timestamptz not null' },
      partition: { by: 'range', column: 'at', interval: '1 hour', timezone: NY, initial: false },
    },
    d: {
      columns: { id: 'bigint generated always as identity', at: 'timestamptz not null' },
      partition: { by: 'range', column: 'at', interval: '1 day', timezone: NY, initial: false },
    },
    hc: {
      columns: { id: 'bigint generated always as identity', at: 'timestamptz not null' },
      partition: { by: 'range', column: 'at', interval: '1 hour', timezone: 'Asia/Colombo', initial: false },
    },
    ts: {
      columns: { id: 'bigint generated always as identity', at: 'timestamp not null' },
      partition: { by: 'range', column: 'at', interval: '1 month', timezone: NY, initial: false },
    },
    dt: {
      columns: { id: 'bigint generated always as identity', on_day: 'date not null' },
      partition: { by: 'range', column: 'on_day', interval: '1 month', timezone: NY, initial: false },
    },
  },
};

interface Part {
  partition: string;
  key: string;
  lower: string;
  upper: string;
}

const Time = suite<{ db?: FreshDatabase }>('time zones and DST', {});

Time.before(async (ctx) => {
  try {
    ctx.db = await installed('time', config);
  } catch (err) {
    console.error(err); // uvu swallows errors thrown by before() hooks
    throw err;
  }
});

Time.after(async (ctx) => {
  await ctx.db?.drop();
});


async function partitions(c: pg.Client, model: string): Promise<Part[]> {
  const { rows } = await c.query<Part>(
    `SELECT partition::text AS partition, key, lower, upper FROM parting.partitions($1) ORDER BY lower`, [model]);
  return rows;
}

/** pg_get_expr of a partition's bound, printed with the session's TimeZone set to `tz`. */
async function boundExpr(c: pg.Client, rel: string, tz: string): Promise<string> {
  await c.query(`SELECT set_config('TimeZone', $1, true)`, [tz]);
  const { rows } = await c.query<{ b: string }>(
    `SELECT pg_get_expr(relpartbound, oid) AS b FROM pg_class WHERE oid = $1::regclass`, [rel]);
  return rows[0]!.b;
}

async function ensure(c: pg.Client, model: string, key: string | null): Promise<string[]> {
  const { rows } = await c.query<{ p: string }>(`SELECT p::text AS p FROM parting.ensure_partition($1, $2) AS p`, [model, key]);
  return rows.map((r) => r.p);
}

Time('a monthly timestamptz partition starts at local midnight in the pinned zone (EST → EDT month)', async (ctx) => {
  const c = ctx.db!.client;
  await rolledBackIn(c, 'UTC', async () => {
    assert.equal(await ensure(c, 'm', '2013-03'), ['m_2013_03']);
    assert.equal(await partitions(c, 'm'), [
      { partition: 'm_2013_03', key: '2013_03', lower: '2013-03-01 05:00:00+00', upper: '2013-04-01 04:00:00+00' },
    ]);
    assert.is(await boundExpr(c, 'm_2013_03', 'UTC'),
      "FOR VALUES FROM ('2013-03-01 05:00:00+00') TO ('2013-04-01 04:00:00+00')");
    // In the model's own zone both bounds are midnight on the 1st.
    assert.is(await boundExpr(c, 'm_2013_03', NY),
      "FOR VALUES FROM ('2013-03-01 00:00:00-05') TO ('2013-04-01 00:00:00-04')");
  });
});

Time('the same call from sessions in other zones makes the identical partition and bounds', async (ctx) => {
  const c = ctx.db!.client;
  for (const tz of ['UTC', NY, 'Asia/Tokyo', 'Pacific/Kiritimati', 'Pacific/Pago_Pago']) {
    await rolledBackIn(c, tz, async () => {
      const made = await ensure(c, 'm', '2013-03');
      const parts = await partitions(c, 'm');
      const utc = await boundExpr(c, 'm_2013_03', 'UTC');
      assert.equal(made, ['m_2013_03'], tz);
      assert.equal(parts, [
        { partition: 'm_2013_03', key: '2013_03', lower: '2013-03-01 05:00:00+00', upper: '2013-04-01 04:00:00+00' },
      ], tz);
      assert.is(utc, "FOR VALUES FROM ('2013-03-01 05:00:00+00') TO ('2013-04-01 04:00:00+00')", tz);
    });
  }
  // A wall-clock key without an offset is read in the model's zone, not the session's:
  // 2013-03-01 00:30 in New York is in March even from Tokyo (where it would be Feb 28 in NY).
  await rolledBackIn(c, 'Asia/Tokyo', async () => {
    assert.equal(await ensure(c, 'm', '2013-03-01 00:30'), ['m_2013_03']);
  });
  await rolledBackIn(c, 'Pacific/Kiritimati', async () => {
    assert.equal(await ensure(c, 'm', '2013-02-28 23:30'), ['m_2013_02']);
  });
});

Time('a partition made from Tokyo is found (and not remade) from Kiritimati and UTC', async (ctx) => {
  const c = ctx.db!.client;
  await c.query('BEGIN');
  try {
    await c.query(`SET LOCAL TimeZone = 'Asia/Tokyo'`);
    assert.equal(await ensure(c, 'm', '2013-03'), ['m_2013_03']);
    await c.query(`SET LOCAL TimeZone = 'Pacific/Kiritimati'`);
    assert.equal(await ensure(c, 'm', '2013-03'), []);
    await c.query(`SET LOCAL TimeZone = 'UTC'`);
    assert.equal(await ensure(c, 'm', '2013-03-31 23:59'), []);
    assert.is((await partitions(c, 'm')).length, 1);
  } finally {
    await c.query('ROLLBACK');
  }
});

Time('partition_for near a boundary is right whatever the session zone', async (ctx) => {
  const c = ctx.db!.client;
  await c.query(`SET TimeZone = 'UTC'`);
  await ensure(c, 'm', '2013-02');
  await ensure(c, 'm', '2013-03');
  try {
    for (const tz of ['UTC', NY, 'Asia/Tokyo', 'Pacific/Kiritimati']) {
      await c.query(`SELECT set_config('TimeZone', $1, false)`, [tz]);
      const { rows } = await c.query<Record<string, string>>(`
        SELECT parting.partition_for('m', '2013-03-01 04:30+00'::timestamptz)::text AS feb_tstz,
               parting.partition_for('m', '2013-03-01 05:30+00'::timestamptz)::text AS mar_tstz,
               parting.partition_for('m', '2013-03-01 04:30+00'::text)::text        AS feb_text,
               parting.partition_for('m', '2013-03-01 05:30+00'::text)::text        AS mar_text,
               parting.partition_for('m', '2013-02-28 23:59'::text)::text           AS feb_wall,
               parting.partition_for('m', '2013-03-01 00:00'::text)::text           AS mar_wall,
               parting.partition_for('m', '2013-02-28 23:59'::timestamp)::text      AS feb_ts,
               parting.partition_for('m', '2013-03-01 00:00'::timestamp)::text      AS mar_ts`);
      assert.equal(rows[0], {
        feb_tstz: 'm_2013_02', mar_tstz: 'm_2013_03',
        feb_text: 'm_2013_02', mar_text: 'm_2013_03',
        feb_wall: 'm_2013_02', mar_wall: 'm_2013_03',
        feb_ts: 'm_2013_02', mar_ts: 'm_2013_03',
      }, tz);
    }
    // PostgreSQL routes rows the same way partition_for says.
    await c.query(`SET TimeZone = 'Asia/Tokyo'`);
    const { rows } = await c.query<{ at: string; part: string; said: string }>(`
      INSERT INTO m (at) VALUES ('2013-03-01 04:30+00'), ('2013-03-01 05:30+00'), ('2013-03-01 04:59:59.999999+00'), ('2013-03-01 05:00+00')
      RETURNING to_char(at AT TIME ZONE 'UTC', 'HH24:MI:SS.US') AS at, tableoid::regclass::text AS part,
                parting.partition_for('m', at)::text AS said`);
    assert.equal(rows.map((r) => [r.at, r.part]), [
      ['04:30:00.000000', 'm_2013_02'], ['05:30:00.000000', 'm_2013_03'],
      ['04:59:59.999999', 'm_2013_02'], ['05:00:00.000000', 'm_2013_03'],
    ]);
    for (const r of rows) assert.is(r.said, r.part, r.at);
  } finally {
    await c.query(`RESET TimeZone`);
  }
});

/** '2026-03-08 03:00+00' for a millisecond timestamp. */
function utcKey(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ') + '+00';
}

// Local 2026-03-07 22:00 EST .. 2026-03-09 02:00 EDT, and 2026-10-31 22:00 EDT .. 2026-11-02 02:00 EST.
const SPRING = [Date.UTC(2026, 2, 8, 3, 0), Date.UTC(2026, 2, 9, 6, 0)] as const;
const FALL = [Date.UTC(2026, 9, 31, 2, 0), Date.UTC(2026, 10, 2, 7, 0)] as const;
const HOUR = 3600_000;

Time('hourly partitions across both DST changes: contiguous, one absolute hour each, unique names', async (ctx) => {
  const c = ctx.db!.client;
  await c.query(`SET TimeZone = 'Europe/London'`); // neither UTC nor the model's zone
  try {
    for (const [from, to] of [SPRING, FALL]) {
      for (let t = from; t <= to; t += HOUR / 2) await ensure(c, 'h', utcKey(t));
    }
  } finally {
    await c.query(`RESET TimeZone`);
  }
  const parts = await partitions(c, 'h');
  const expected = (to: number, from: number) => (to - from) / HOUR + 1;
  assert.is(parts.length, expected(SPRING[1], SPRING[0]) + expected(FALL[1], FALL[0]));
  assert.is(new Set(parts.map((p) => p.partition)).size, parts.length, 'names are unique');

  const spans = await c.query<{ lower: string; hours: string; local: string }>(`
    SELECT lower, extract(epoch FROM upper::timestamptz - lower::timestamptz) / 3600 AS hours,
           to_char(lower::timestamptz AT TIME ZONE '${NY}', 'YYYY_MM_DD_HH24MI') AS local
      FROM parting.partitions('h') ORDER BY lower`);
  for (const s of spans.rows) assert.is(Number(s.hours), 1, `${s.lower} spans ${s.hours} h`);

  // Contiguous: each upper is the next lower, except once, between the spring and the fall run.
  let gaps = 0;
  for (let i = 1; i < parts.length; i++) {
    const prev = parts[i - 1]!;
    const cur = parts[i]!;
    assert.ok(Date.parse(prev.upper.replace(' ', 'T').replace('+00', 'Z')) <= Date.parse(cur.lower.replace(' ', 'T').replace('+00', 'Z')),
      `overlap: ${prev.partition} [${prev.lower}, ${prev.upper}) and ${cur.partition} [${cur.lower}, ${cur.upper})`);
    if (prev.upper !== cur.lower) gaps++;
  }
  assert.is(gaps, 1, 'one gap, between the two runs');
  assert.is(parts[0]!.lower, '2026-03-08 03:00:00+00');
  assert.is(parts[parts.length - 1]!.upper, '2026-11-02 08:00:00+00');

  // Names follow the local wall clock; the hour that repeats at fall-back gets '_2'.
  parts.forEach((p, i) => {
    const local = spans.rows[i]!.local;
    assert.ok(p.partition === `h_${local}` || p.partition === `h_${local}_2`, `${p.partition} vs local ${local}`);
  });
  const names = parts.map((p) => p.partition);
  assert.equal(names.filter((n) => n.endsWith('_2')), ['h_2026_11_01_0100_2']);
  const at = (n: string) => parts.find((p) => p.partition === n);
  assert.equal(at('h_2026_11_01_0100'), { partition: 'h_2026_11_01_0100', key: '2026_11_01_0100', lower: '2026-11-01 05:00:00+00', upper: '2026-11-01 06:00:00+00' });
  assert.equal(at('h_2026_11_01_0100_2'), { partition: 'h_2026_11_01_0100_2', key: '2026_11_01_0100_2', lower: '2026-11-01 06:00:00+00', upper: '2026-11-01 07:00:00+00' });
  // Spring forward: 01:00 EST is followed by 03:00 EDT; there is no 02:00 partition.
  assert.equal(at('h_2026_03_08_0100')?.upper, '2026-03-08 07:00:00+00');
  assert.equal(at('h_2026_03_08_0300')?.lower, '2026-03-08 07:00:00+00');
  assert.not.ok(names.includes('h_2026_03_08_0200'));
});

Time('rows every 10 minutes across both DST days land in the partition whose bounds hold them', async (ctx) => {
  const c = ctx.db!.client;
  await c.query(`SET TimeZone = 'Asia/Tokyo'`);
  try {
    let inserted = 0;
    for (const [from, to] of [SPRING, FALL]) {
      const res = await c.query(
        `INSERT INTO h (at) SELECT generate_series($1::timestamptz, $2::timestamptz, interval '10 minutes')`,
        [utcKey(from), utcKey(to + HOUR - 10 * 60_000)]);
      inserted += res.rowCount ?? 0;
    }
    const total = (SPRING[1] - SPRING[0] + HOUR) / 600_000 + (FALL[1] - FALL[0] + HOUR) / 600_000;
    assert.is(inserted, total);
    const { rows } = await c.query<{ n: string; held: string; parts: string; per_min: number; per_max: number }>(`
      WITH p AS (SELECT partition, lower::timestamptz AS lo, upper::timestamptz AS hi FROM parting.partitions('h')),
           r AS (SELECT h.tableoid AS part, h.at FROM h)
      SELECT (SELECT count(*) FROM r) AS n,
             (SELECT count(*) FROM r JOIN p ON p.partition = r.part AND r.at >= p.lo AND r.at < p.hi) AS held,
             (SELECT count(DISTINCT part) FROM r) AS parts,
             (SELECT min(c) FROM (SELECT count(*) AS c FROM r GROUP BY part) x)::int AS per_min,
             (SELECT max(c) FROM (SELECT count(*) AS c FROM r GROUP BY part) x)::int AS per_max`);
    const row = rows[0]!;
    assert.is(Number(row.n), total);
    assert.is(Number(row.held), total, 'every row is inside its partition\'s bounds');
    assert.is(Number(row.parts), (await partitions(c, 'h')).length, 'every partition got rows');
    assert.is(row.per_min, 6);
    assert.is(row.per_max, 6);
  } finally {
    await c.query(`RESET TimeZone`);
  }
});

Time('daily partitions start at local midnight; the DST days are 23 h and 25 h long', async (ctx) => {
  const c = ctx.db!.client;
  await c.query(`SET TimeZone = 'Pacific/Kiritimati'`);
  try {
    for (const day of ['2026-03-07', '2026-03-08', '2026-03-09', '2026-10-31', '2026-11-01', '2026-11-02']) {
      assert.equal(await ensure(c, 'd', day), [`d_${day.replaceAll('-', '_')}`]);
    }
    // An instant given with an offset lands in the local day, not the UTC day:
    // 2026-11-02 03:00 UTC is 2026-11-01 22:00 in New York.
    assert.equal(await ensure(c, 'd', '2026-11-02 03:00+00'), []);
  } finally {
    await c.query(`RESET TimeZone`);
  }
  const { rows } = await c.query<{ partition: string; local_lower: string; local_upper: string; hours: number }>(`
    SELECT partition::text AS partition,
           to_char(lower::timestamptz AT TIME ZONE '${NY}', 'YYYY-MM-DD HH24:MI:SS') AS local_lower,
           to_char(upper::timestamptz AT TIME ZONE '${NY}', 'YYYY-MM-DD HH24:MI:SS') AS local_upper,
           (extract(epoch FROM upper::timestamptz - lower::timestamptz) / 3600)::int AS hours
      FROM parting.partitions('d') ORDER BY lower`);
  assert.equal(rows, [
    { partition: 'd_2026_03_07', local_lower: '2026-03-07 00:00:00', local_upper: '2026-03-08 00:00:00', hours: 24 },
    { partition: 'd_2026_03_08', local_lower: '2026-03-08 00:00:00', local_upper: '2026-03-09 00:00:00', hours: 23 },
    { partition: 'd_2026_03_09', local_lower: '2026-03-09 00:00:00', local_upper: '2026-03-10 00:00:00', hours: 24 },
    { partition: 'd_2026_10_31', local_lower: '2026-10-31 00:00:00', local_upper: '2026-11-01 00:00:00', hours: 24 },
    { partition: 'd_2026_11_01', local_lower: '2026-11-01 00:00:00', local_upper: '2026-11-02 00:00:00', hours: 25 },
    { partition: 'd_2026_11_02', local_lower: '2026-11-02 00:00:00', local_upper: '2026-11-03 00:00:00', hours: 24 },
  ]);
  const p = await partitions(c, 'd');
  assert.equal(p.find((x) => x.partition === 'd_2026_11_01'),
    { partition: 'd_2026_11_01', key: '2026_11_01', lower: '2026-11-01 04:00:00+00', upper: '2026-11-02 05:00:00+00' });
});

Time('timestamp and date monthly models: bounds are wall dates, whatever the session zone', async (ctx) => {
  const c = ctx.db!.client;
  for (const tz of ['UTC', 'Asia/Tokyo', 'Pacific/Kiritimati']) {
    await rolledBackIn(c, tz, async () => {
      assert.equal(await ensure(c, 'ts', '2013-03'), ['ts_2013_03'], tz);
      assert.equal(await ensure(c, 'dt', '2013-03'), ['dt_2013_03'], tz);
      assert.equal(await partitions(c, 'ts'), [
        { partition: 'ts_2013_03', key: '2013_03', lower: '2013-03-01 00:00:00', upper: '2013-04-01 00:00:00' },
      ], tz);
      assert.equal(await partitions(c, 'dt'), [
        { partition: 'dt_2013_03', key: '2013_03', lower: '2013-03-01', upper: '2013-04-01' },
      ], tz);
      assert.is(await boundExpr(c, 'ts_2013_03', tz), "FOR VALUES FROM ('2013-03-01 00:00:00') TO ('2013-04-01 00:00:00')", tz);
      assert.is(await boundExpr(c, 'dt_2013_03', tz), "FOR VALUES FROM ('2013-03-01') TO ('2013-04-01')", tz);
      const { rows } = await c.query<{ a: string; b: string; x: string; y: string }>(`
        SELECT parting.partition_for('ts', '2013-03-01 00:00'::timestamp)::text AS a,
               parting.partition_for('ts', '2013-03-31 23:59:59'::text)::text   AS b,
               parting.partition_for('dt', '2013-03-01'::date)::text             AS x,
               parting.partition_for('dt', '2013-03-31'::text)::text             AS y`);
      assert.equal(rows[0], { a: 'ts_2013_03', b: 'ts_2013_03', x: 'dt_2013_03', y: 'dt_2013_03' }, tz);
      const ins = await c.query<{ p: string }>(
        `INSERT INTO ts (at) VALUES ('2013-03-01 00:00'), ('2013-03-31 23:59:59.999999') RETURNING tableoid::regclass::text AS p`);
      assert.equal(ins.rows.map((r) => r.p), ['ts_2013_03', 'ts_2013_03']);
      const ins2 = await c.query<{ p: string }>(
        `INSERT INTO dt (on_day) VALUES ('2013-03-01'), ('2013-03-31') RETURNING tableoid::regclass::text AS p`);
      assert.equal(ins2.rows.map((r) => r.p), ['dt_2013_03', 'dt_2013_03']);
    });
  }
});

Time('hourly partitions in a half-hour zone (Asia/Colombo, +05:30) follow its own hours', async (ctx) => {
  const c = ctx.db!.client;
  assert.equal(await ensure(c, 'hc', '2026-03-08 10:00'), ['hc_2026_03_08_1000']);
  const [p] = await partitions(c, 'hc');
  assert.equal([p!.lower, p!.upper], ['2026-03-08 04:30:00+00', '2026-03-08 05:30:00+00']);
  assert.is(await c.query(`SELECT parting.partition_for('hc', '2026-03-08 10:59:59'::text)::text AS p`).then((r) => r.rows[0].p), 'hc_2026_03_08_1000');
});

Time.run();
