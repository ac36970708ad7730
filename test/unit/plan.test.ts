// plan(): the model-dependent steps of install.sql, in the order they must run.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { build } from '../../src/build.js';
import { validate } from '../../src/model/validate.js';
import { plan, type Step } from '../../src/plan/plan.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { kindOf, parseSql } from './helpers.js';

const Plan = suite('plan');

const config: ConfigInput = {
  schema: 'app',
  models: {
    // Declared dependents-first on purpose: the plan must still put parents first.
    star: { columns: { id: 'bigint' }, primaryKey: ['id'], partitionForeignKey: { column: 'tweet_id', references: 'tweet' } },
    tweet: {
      columns: { id: 'bigint', created_at: 'timestamptz not null' },
      primaryKey: ['id'],
      partition: { by: 'range', column: 'created_at', interval: 'month', default: true },
    },
    tenant: { columns: { t: 'text not null' }, partition: { by: 'list', column: 't', initial: ['a', 'b'] } },
  },
};

const kinds = (steps: Step[]) => steps.map((s) => `${s.kind}:${'table' in s ? s.table : 'row' in s ? s.row.model : 'model' in s ? s.model : 'cron' in s ? s.cron : s.schema}`);
const configRows = (c: ConfigInput) => plan(validate(c)).steps.flatMap((s) => (s.kind === 'config' ? [s.row] : []));

Plan('schema first, then parent tables parents-first, then config rows, then first partitions of roots only', () => {
  const { steps } = plan(validate(config));
  assert.equal(kinds(steps), [
    'schema:app',
    'parent:tweet', 'parent:star', 'parent:tenant',
    'config:tweet', 'config:star', 'config:tenant',
    'partitions:tweet', 'partitions:tenant',
  ]);
});

Plan('partition steps carry what the config asks: current + default for range, keys for list', () => {
  const steps = plan(validate(config)).steps.filter((s): s is Extract<Step, { kind: 'partitions' }> => s.kind === 'partitions');
  assert.equal(steps[0], { kind: 'partitions', model: 'tweet', current: true, keys: [], default: true });
  assert.equal(steps[1], { kind: 'partitions', model: 'tenant', current: false, keys: ['a', 'b'], default: false });
});

Plan('a dependent config row carries the lockstep link and the root strategy on its key column', () => {
  const row = plan(validate(config)).steps.find((s): s is Extract<Step, { kind: 'config' }> => s.kind === 'config' && s.row.model === 'star')!.row;
  assert.is(row.root_model, 'tweet');
  assert.is(row.parent_model, 'tweet');
  assert.is(row.family_order, 1);
  assert.is(row.key_column, 'tweet_created_at');
  assert.is(row.unit, 'month');
  assert.is(row.default_partition, true);
  assert.equal(row.fk_columns, ['tweet_id']);
  assert.equal(row.ref_columns, ['id']);
  assert.is(row.fk_tag, 'tweet_id_fkey');
});

Plan('public is not created; the plan is deterministic', () => {
  const pub = { ...config, schema: 'public' };
  assert.not.ok(plan(validate(pub)).steps.some((s) => s.kind === 'schema'));
  assert.equal(JSON.stringify(plan(validate(config))), JSON.stringify(plan(validate(config))));
});

Plan('every config row carries archive_schema, drain_batch and lock_tries: the defaults, or the project\'s', () => {
  for (const row of configRows(config)) {
    assert.equal([row.archive_schema, row.drain_batch, row.lock_tries, row.lock_timeout], ['archive', 10000, 5, '2s'], row.model);
  }
  for (const row of configRows({ ...config, archiveSchema: 'cold', drainBatch: 250, lockTries: 20, lockTimeout: '500ms' })) {
    assert.equal([row.archive_schema, row.drain_batch, row.lock_tries, row.lock_timeout], ['cold', 250, 20, '500ms'], row.model);
  }
});

Plan('no schedule, no schedule step; a schedule is the last step', () => {
  assert.not.ok(plan(validate(config)).steps.some((s) => s.kind === 'schedule'));
  const { steps } = plan(validate({ ...config, schedule: '*/15 * * * *' }));
  assert.equal(steps.at(-1), { kind: 'schedule', cron: '*/15 * * * *' });
  assert.is(steps.filter((s) => s.kind === 'schedule').length, 1);
});

Plan('install.sql schedules maintenance after the models, with NOTICEs shown for that call only', async () => {
  const sql = build({ ...config, schedule: '*/15 * * * *' });
  const stmts = (await parseSql(sql)).stmts;
  assert.equal(stmts.slice(-5, -1).map(kindOf), ['VariableSetStmt', 'SelectStmt', 'VariableSetStmt', 'InsertStmt'], 'set, schedule, set, the meta row, then COMMIT');
  const call = sql.indexOf("SELECT parting.schedule('*/15 * * * *');");
  assert.ok(call > 0, 'the schedule call is in the script');
  assert.ok(call > sql.lastIndexOf('CALL parting._install_partitions('), 'after the first partitions');
  const block = sql.slice(sql.lastIndexOf('-- pg_cron:', call), sql.indexOf('\n', sql.indexOf('SET LOCAL client_min_messages = warning;', call)) + 1);
  assert.is(block, [
    '-- pg_cron: run maintenance on this schedule (a NOTICE, not an error, when pg_cron is absent).',
    'SET LOCAL client_min_messages = notice;',
    "SELECT parting.schedule('*/15 * * * *');",
    'SET LOCAL client_min_messages = warning;',
    '',
  ].join('\n'));
  assert.not.ok(build(config).includes('SELECT parting.schedule('), 'no call without a schedule');
  // A quote in the schedule cannot reach the SQL unescaped: only pg_cron schedules pass validation.
  assert.throws(() => build({ ...config, schedule: "0 0 * * *'); drop table x; --" }), /schedule/);
});

Plan.run();
