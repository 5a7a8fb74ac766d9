/** The sandbox's service modules, in registration order (control routes first). */
import type { Sandbox } from './server';
import { registerControl } from './control';
import { registerGoogle } from './google';
import { registerGmail } from './gmail';
import { registerGraph } from './graph';
import { registerEntra } from './entra';
import { registerEntraPages } from './entra-pages';
import { registerKeyVault } from './keyvault';
import { registerDirectoryWorld } from './directory-world';
import { registerDirectoryControl } from './directory-control';
import { registerGraphDelta } from './graph-delta';
import { registerGraphDirectory } from './graph-directory';
import { registerGoogleDirectory } from './google-directory';

export const SERVICE_MODULES: Array<(sandbox: Sandbox) => void> = [
  registerControl,
  registerGoogle,
  registerGmail,
  registerGraph,
  registerDirectoryWorld,
  registerDirectoryControl,
  registerGraphDelta,
  registerGraphDirectory,
  registerGoogleDirectory,
  registerEntra,
  registerEntraPages,
  registerKeyVault,
];
