/** One sync implementation per provider: the only place that maps a provider to its sync. */
import type { DirectoryProvider } from '../../model/directory';
import { googleSource } from './google';
import { microsoftSource } from './microsoft';
import type { DirectorySource } from './types';

export const SOURCES: Readonly<Record<DirectoryProvider, DirectorySource>> = { microsoft: microsoftSource, google: googleSource };
