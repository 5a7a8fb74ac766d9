/**
 * What a seeder of `npm start` gets and returns. Its own module so that dev/seed.ts (the list) and
 * the seeders it lists (dev/seed-*.ts) import it without importing each other.
 */
import type { Sandbox } from './sandbox/server';
import type { Services } from '@shared/services';

/** What every run has, with or without the sandbox (`npm start -- --real`). */
export interface StackContext {
  /** Services built from the same settings the host runs with. */
  services: Services;
  /** e.g. http://localhost:7071 (the API is under /api). */
  apiUrl: string;
  /** LOCAL_FUNCTION_KEY, for calls to function-level routes. */
  functionKey?: string;
}

export interface DemoContext extends StackContext {
  /** The in-process sandbox: its world can be changed directly. */
  sandbox: Sandbox;
}

/** Returns lines to print under the URLs (a settings-page link, a demo org's name). */
export type Seeder<Context extends StackContext = StackContext> = (context: Context) => Promise<string[] | void>;
export type DemoSeeder = Seeder<DemoContext>;
