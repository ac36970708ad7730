// plan(): the model-dependent steps of install.sql, in the order they must run.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { validate } from '../../src/model/validate.js';
import { plan, type Step } from '../../src/plan/plan.js';
import type { ConfigInput } from '../../src/config/schema.js';

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

const kinds = (steps: Step[]) => steps.map((s) => `${s.kind}:${'table' in s ? s.table : 'row' in s ? s.row.model : 'model' in s ? s.model : s.schema}`);

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

Plan.run();
