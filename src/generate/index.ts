/**
 * `pgpart generate`'s generators: pure functions from the normalized model to the text of an
 * ORM's model definitions. The CLI (src/cli/generate.ts) loads the config and writes files.
 */
import type { Project } from '../model/types.js';
import { djangoModels } from './django.js';
import { drizzle } from './drizzle.js';
import { kysely } from './kysely.js';
import { prisma } from './prisma.js';
import { ormProject } from './shared.js';

export const ORMS = ['drizzle', 'prisma', 'kysely', 'django'] as const;
export type Orm = (typeof ORMS)[number];

/** The model definitions for an ORM; `source` is named in the header. Throws GenerateError for what the ORM cannot express. */
export function generate(orm: Orm, project: Project, source: string): string {
  const p = ormProject(project);
  switch (orm) {
    case 'drizzle': return drizzle(p, source);
    case 'prisma': return prisma(p, source);
    case 'kysely': return kysely(p, source);
    case 'django': return djangoModels(p, source);
  }
}

export { GenerateError, ormProject } from './shared.js';
export { djangoMigration, type DjangoMigration } from './django.js';
