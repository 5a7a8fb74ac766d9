/**
 * The demo that `npm start` seeds once the local host answers. Each seeder gets the running stack
 * and may return lines to print under the URLs (a settings-page link, a demo org's name).
 * To add one (a demo org with a Microsoft or Google sender, ...): append it to DEMO_SEEDERS.
 * The sandbox's own demo world (tenants, users, apps) is seeded by the sandbox itself.
 * `npm start -- --real` runs only REAL_SEEDERS: nothing that writes to a real tenant.
 */
import { ensureAllStorage } from '@shared/store/storageClients';
import { seedMicrosoftDemo } from './seed-microsoft';
import { seedSettingsLink } from './seed-settings';
import type { DemoContext, DemoSeeder, Seeder, StackContext } from './seed-types';

export type { DemoContext, DemoSeeder, StackContext } from './seed-types';

/** Every table, queue and container exists before the first message arrives. */
const seedStorage: Seeder = async ({ services }) => {
  await ensureAllStorage(services.storage);
};

export const DEMO_SEEDERS: DemoSeeder[] = [seedStorage, seedMicrosoftDemo, seedSettingsLink];
export const REAL_SEEDERS: Seeder[] = [seedStorage, seedSettingsLink];

async function runSeeders<Context extends StackContext>(seeders: Array<Seeder<Context>>, context: Context): Promise<string[]> {
  const lines: string[] = [];
  for (const seed of seeders) lines.push(...((await seed(context)) ?? []));
  return lines;
}

/** Runs every demo seeder in order; returns the lines they want printed. */
export function seedDemo(context: DemoContext): Promise<string[]> {
  return runSeeders(DEMO_SEEDERS, context);
}

/** The seeders of a real run (Storage exists, a settings link); returns the lines they want printed. */
export function seedReal(context: StackContext): Promise<string[]> {
  return runSeeders(REAL_SEEDERS, context);
}
