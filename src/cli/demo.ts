export async function demoCommand(_opts: { databaseUrl?: string }): Promise<void> {
  throw new Error('demo: coming in this change');
}
