/**
 * The ONLY place that maps a provider name to its module. Everything else (sender API, consent,
 * delivery) asks here and never branches on the provider name.
 *
 * Cold start: each provider module is loaded on first use (`await import`), never at start-up. The
 * modules carry the heavy SDKs (Google: @googleapis/gmail with google-auth-library and gaxios;
 * Microsoft: @microsoft/microsoft-graph-client and the @azure/identity credentials; nodemailer's
 * MIME builder), and most HTTP functions (health, sender view, admin links, enqueue) never send.
 * The deployed build puts each module in a file of its own (dist/providers/*.js, see dev/build.mjs),
 * required here on first use, so a cold start neither reads nor compiles them. Callers still get a
 * `MailProvider` synchronously: its first `verify` or `send` waits for the module.
 */
import { MailerError } from '../errors';
import type { ConsentFlow, ConsentMode, ConsentPurposeKind } from '../consent/types';
import type { DirectoryAccess, DirectoryConnection } from '../model/directory';
import type { ProviderName, SenderConfig } from '../model/sender';
import type { ProviderContext, ProviderModule } from './module';
import type { MailProvider } from './types';

const LOADERS: Readonly<Record<ProviderName, () => Promise<ProviderModule>>> = {
  microsoft: async () => (await import('./microsoft')).microsoftProvider,
  google: async () => (await import('./google')).googleProvider,
};

/** The modes each provider supports: one list, in modes.ts (the settings page's script imports it too). */
export { PROVIDER_MODES } from './modes';

const loaded = new Map<ProviderName, Promise<ProviderModule>>();

/** The provider's module, loaded once per process. */
export function loadProviderModule(name: ProviderName): Promise<ProviderModule> {
  const load = Object.prototype.hasOwnProperty.call(LOADERS, name) ? LOADERS[name] : undefined;
  if (!load) {
    const error = new MailerError('VALIDATION_FAILED', `Unknown provider ${String(name)}.`, {
      fields: { provider: `must be one of ${Object.keys(LOADERS).join(', ')}` },
    });
    return Promise.reject(error);
  }
  let module = loaded.get(name);
  if (!module) {
    module = load();
    module.catch(() => loaded.delete(name)); // a failed load is not remembered
    loaded.set(name, module);
  }
  return module;
}

/**
 * The `MailProvider` of a saved config, built by its module's `create()` once the module has loaded.
 * The caller caches the returned object per config version (`ProviderCache`), and this wrapper
 * keeps the one provider it builds, so credentials and tokens stay cached for the life of that config version.
 */
export function createProvider(sender: SenderConfig, context: ProviderContext): MailProvider {
  let inner: Promise<MailProvider> | undefined;
  const provider = () =>
    (inner ??= loadProviderModule(sender.provider)
      .then((module) => module.create(sender, context))
      .catch((error: unknown) => {
        inner = undefined;
        throw error;
      }));
  return {
    sender: { address: sender.senderEmail, name: sender.senderName },
    verify: async () => (await provider()).verify(),
    send: async (mail) => (await provider()).send(mail),
    keepAlive: async () => {
      const inner = await provider();
      return inner.keepAlive ? inner.keepAlive() : false;
    },
  };
}

/** The flow table: which list of a provider module holds the flows of each kind of consent. */
const FLOW_LISTS: Readonly<Record<ConsentPurposeKind, 'consentFlows' | 'directoryConsentFlows'>> = {
  sender: 'consentFlows',
  directory: 'directoryConsentFlows',
};

/** The consent flow of a consent-based mode, or undefined when the mode takes its credentials by PUT. */
export async function consentFlow(
  provider: ProviderName,
  mode: ConsentMode,
  kind: ConsentPurposeKind = 'sender',
): Promise<ConsentFlow | undefined> {
  return (await loadProviderModule(provider))[FLOW_LISTS[kind]].find((flow) => flow.mode === mode);
}

/**
 * A connection's DirectoryAccess, synchronously (the sync asks for it per connection); the
 * provider module loads on the first token request.
 */
export function createDirectoryAccess(connection: DirectoryConnection, context: ProviderContext, customer?: string): DirectoryAccess {
  let inner: Promise<DirectoryAccess> | undefined;
  const access = () =>
    (inner ??= loadProviderModule(connection.provider)
      .then((module) => module.directoryAccess(connection, context))
      .catch((error: unknown) => {
        inner = undefined;
        throw error;
      }));
  return {
    provider: connection.provider,
    ...(customer ? { customer } : {}),
    accessToken: async (signal) => (await access()).accessToken(signal),
  };
}
