/**
 * The demo that `npm start` seeds once the local host answers. Each seeder gets the running stack
 * and may return lines to print under the URLs (a settings-page link, a demo org's name).
 * To add one (a demo org with a Microsoft or Google sender, ...): append it to DEMO_SEEDERS.
 * The sandbox's own demo world (tenants, users, apps) is seeded by the sandbox itself.
 */
import type { Sandbox } from './sandbox/server';
import type { Services } from '../shared/services';
import { ensureAllStorage } from '../shared/store/storageClients';
import { seedMicrosoftDemo } from './seed-microsoft';
import { seedSettingsLink } from './seed-settings';

export interface DemoContext {
  /** Services built from the same settings the host runs with (Storage, Key Vault through the sandbox). */
  services: Services;
  /** The in-process sandbox: its world can be changed directly. */
  sandbox: Sandbox;
  /** e.g. http://localhost:7071 (the API is under /api). */
  apiUrl: string;
  /** LOCAL_FUNCTION_KEY, for calls to function-level routes. */
  functionKey?: string;
}

export type DemoSeeder = (context: DemoContext) => Promise<string[] | void>;

/** Every table, queue and container exists before the first message arrives. */
const seedStorage: DemoSeeder = async ({ services }) => {
  await ensureAllStorage(services.storage);
};

export const DEMO_SEEDERS: DemoSeeder[] = [seedStorage, seedMicrosoftDemo, seedSettingsLink];

/** Runs every seeder in order; returns the lines they want printed. */
export async function seedDemo(context: DemoContext): Promise<string[]> {
  const lines: string[] = [];
  for (const seed of DEMO_SEEDERS) lines.push(...((await seed(context)) ?? []));
  return lines;
}
