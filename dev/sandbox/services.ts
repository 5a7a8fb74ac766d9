/** The sandbox's service modules, in registration order (control routes first). */
import type { Sandbox } from './server';
import { registerControl } from './control';
import { registerGoogle } from './google';
import { registerGmail } from './gmail';
import { registerGraph } from './graph';
import { registerEntra } from './entra';
import { registerEntraPages } from './entra-pages';
import { registerKeyVault } from './keyvault';

export const SERVICE_MODULES: Array<(sandbox: Sandbox) => void> = [registerControl, registerGoogle, registerGmail, registerGraph, registerEntra, registerEntraPages, registerKeyVault];
