// plan(): the desired document install.sql carries (what the database should hold), which
// the runtime compares with the catalog: models in family order, each with its config row,
// columns, keys, indexes and initial partitions; the project's lock policy, schedule and
// what it may drop.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { build } from '../../src/build.js';
import { validate } from '../../src/model/validate.js';
import { plan } from '../../src/plan/plan.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { kindOf, parseSql } from './helpers.js';

const Plan = suite('plan');

const config: ConfigInput = {
  schema: 'app',
  models: {
    // Declared dependents-first on purpose: the plan must still put parents first.
    star: { columns: { id: 'bigint' }, primaryKey: ['id'], partitionForeignKey: { column: 'tweet_id', references: 'tweet' } },
    tweet: {
      columns: { id: 'bigserial', created_at: 'timestamptz not null' },
      primaryKey: ['id'],
      indexes: [{ columns: ['created_at'], using: 'brin' }],
      partition: { by: 'range', column: 'created_at', interval: 'month', default: true },
    },
    tenant: { columns: { t: 'text not null' }, partition: { by: 'list', column: 't', initial: ['a', 'b'] } },
  },
};

const desired = (c: ConfigInput) => plan(validate(c)).desired;
const configRows = (c: ConfigInput) => desired(c).models.map((m) => m.config);

Plan('models in family order, parents before dependents', () => {
  assert.equal(desired(config).models.map((m) => m.config.model), ['tweet', 'star', 'tenant']);
});

Plan('initial partitions are asked for roots only: current + default for range, keys for list', () => {
  const [tweet, star, tenant] = desired(config).models;
  assert.equal(tweet!.initial, { current: true, keys: [], default: true });
  assert.is(star!.initial, null);
  assert.equal(tenant!.initial, { current: false, keys: ['a', 'b'], default: false });
});

Plan('columns carry their definitions as written; serial and identity are marked', () => {
  const tweet = desired(config).models[0]!;
  assert.equal(tweet.columns, [
    { name: 'id', definition: 'bigserial', serial: true, identity: false },
    { name: 'created_at', definition: 'timestamptz not null', serial: false, identity: false },
  ]);
  const star = desired(config).models[1]!;
  assert.ok(star.columns.some((c) => c.name === 'tweet_created_at' && c.definition === 'timestamptz not null'), 'the key column pgpart adds');
});

Plan('keys and indexes of the parent under pgpart names; the key joins the primary key', () => {
  const tweet = desired(config).models[0]!;
  assert.equal(tweet.constraints, [{ kind: 'primary', name: 'tweet_pkey', columns: ['id', 'created_at'] }]);
  assert.equal(tweet.indexes, [{ name: 'tweet_created_at_idx', tag: 'created_at_idx', columns: ['created_at'], method: 'brin' }]);
  // a dependent's foreign-key columns get an index of their own
  assert.equal(desired(config).models[1]!.indexes.map((i) => i.columns), [['tweet_id']]);
});

Plan('a dependent config row carries the lockstep link and the root strategy on its key column', () => {
  const row = configRows(config).find((r) => r.model === 'star')!;
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

Plan('the plan is deterministic', () => {
  assert.equal(JSON.stringify(plan(validate(config))), JSON.stringify(plan(validate(config))));
});

Plan('the settings are the project\'s, once (parting.settings), never copied into a config row: the defaults, or the config\'s', () => {
  assert.equal(desired(config).settings, {
    lock_timeout: '300ms', lock_tries: 5, archive_schema: 'archive', drain_batch: 10000, catch_up: 100, history_keep: '30 days', analyze_parents: false,
  });
  assert.equal(desired({ ...config, archiveSchema: 'cold', drainBatch: 250, lockTries: 20, lockTimeout: '500ms', catchUp: 7, historyKeep: '6 month', analyze: true }).settings, {
    lock_timeout: '500ms', lock_tries: 20, archive_schema: 'cold', drain_batch: 250, catch_up: 7, history_keep: '6 months', analyze_parents: true,
  });
  for (const row of configRows(config)) {
    for (const key of Object.keys(desired(config).settings)) assert.not.ok(key in row, `${row.model}: ${key}`);
  }
});

Plan('schedule and drop are the project\'s, null and empty when not given', () => {
  assert.is(desired(config).schedule, null);
  assert.equal(desired(config).drop, { models: [], columns: {} });
  const d = desired({ ...config, schedule: '*/15 * * * *', drop: { models: ['old'], columns: { tweet: ['gone'] } } });
  assert.is(d.schedule, '*/15 * * * *');
  assert.equal(d.drop, { models: ['old'], columns: { tweet: ['gone'] } });
});

Plan('install.sql ends with one CALL parting._install carrying the document, then the session search_path back, then COMMIT', async () => {
  const sql = build({ ...config, schedule: '*/15 * * * *' });
  const stmts = (await parseSql(sql)).stmts;
  assert.equal(stmts.slice(-3).map(kindOf), ['CallStmt', 'DoStmt', 'TransactionStmt']);
  const call = sql.slice(sql.lastIndexOf('CALL parting._install('));
  const doc = /^CALL parting\._install\('([\s\S]*?)'::jsonb, /.exec(call)?.[1];
  assert.ok(doc, 'the document is a jsonb literal');
  assert.equal(JSON.parse(doc!.replace(/''/g, "'")), desired({ ...config, schedule: '*/15 * * * *' }));
  // A quote in the schedule cannot reach the SQL unescaped: only pg_cron schedules pass validation.
  assert.throws(() => build({ ...config, schedule: "0 0 * * *'); drop table x; --" }), /schedule/);
});

Plan.run();
