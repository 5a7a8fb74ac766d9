/** The sandbox's service modules, in registration order (control routes first). */
import type { Sandbox } from './server';
import { registerControl } from './control';

export const SERVICE_MODULES: Array<(sandbox: Sandbox) => void> = [registerControl];
