/**
 * The ONLY place that maps a provider name to its module. Everything else (sender API, consent,
 * delivery) asks here and never branches on the provider name.
 */
import { MailerError } from '../errors';
import type { ConsentFlow } from '../consent/types';
import type { ProviderName, SenderMode } from '../senders/model';
import type { ProviderModule } from './module';
import { microsoftProvider } from './microsoft';
import { googleProvider } from './google';

const MODULES: Partial<Record<ProviderName, ProviderModule>> = {
  microsoft: microsoftProvider,
  google: googleProvider,
};

/** The modes each provider supports (design.md section 4): the sender schema validates against it. */
export const PROVIDER_MODES: Readonly<Record<ProviderName, readonly SenderMode[]>> = Object.freeze({
  microsoft: ['admin_consent', 'app_registration', 'delegated'],
  google: ['oauth', 'service_account'],
});

export function providerModule(name: ProviderName): ProviderModule {
  const module = Object.prototype.hasOwnProperty.call(MODULES, name) ? MODULES[name] : undefined;
  if (!module) {
    throw new MailerError('VALIDATION_FAILED', `Unknown provider ${String(name)}.`, { fields: { provider: `must be one of ${Object.keys(MODULES).join(', ')}` } });
  }
  return module;
}

/** The consent flow of a consent-based mode, or undefined when the mode takes its credentials by PUT. */
export function consentFlow(provider: ProviderName, mode: SenderMode): ConsentFlow | undefined {
  return providerModule(provider).consentFlows.find((flow) => flow.mode === mode);
}
