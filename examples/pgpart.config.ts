// The README's example: tweets by month, their stars in lockstep, events by tenant.
import { defineConfig } from 'pgpart';

export default defineConfig({
  schema: 'public',
  timezone: 'UTC',
  models: {
    tweet: {
      columns: {
        id: 'bigint generated always as identity',
        json: 'jsonb not null',
        user: 'text not null',
        created_at: 'timestamptz not null default now()',
      },
      primaryKey: ['id'],
      indexes: [{ columns: ['user'] }],
      partition: {
        by: 'range', column: 'created_at', interval: '1 month', premake: 2,
        // Months older than a year go to archive.tweet (and their stars to archive.star).
        retention: { keep: '12 months', action: 'archive' },
      },
    },
    star: {
      columns: {
        id: 'bigint generated always as identity',
        user: 'text not null',
      },
      primaryKey: ['id'],
      partitionForeignKey: { column: 'tweet_id', references: 'tweet' },
    },
    tenant_event: {
      columns: {
        id: 'bigint generated always as identity',
        tenant: 'text not null',
        payload: 'jsonb',
      },
      primaryKey: ['id'],
      partition: { by: 'list', column: 'tenant', initial: ['acme'] },
    },
  },
});
