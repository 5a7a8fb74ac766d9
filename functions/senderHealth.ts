/** The daily sender-health check (timer, 06:00 UTC): see shared/senders/health.ts. */
import { SENDER_HEALTH_SCHEDULE } from '@shared/schedules';
import { checkSenderHealth } from '@shared/senders/health';
import { getServices } from '@shared/services';
import { defineTimer, TimerHandler } from './registry';

export const senderHealth: TimerHandler = async (_timer, context) => {
  const services = getServices();
  await checkSenderHealth({
    store: services.senders.store,
    providers: services.senders.providers,
    resolver: services.senders.resolver,
    log: (line) => context.log(line),
    keepAliveIdleMs: services.config.keepAliveIdleMs,
    domainChecks: services.domainChecks,
    // sender.secret_expiring goes out on the platform event bus (webhooks).
    events: services.events,
  });
};

defineTimer({ name: 'senderHealth', schedule: SENDER_HEALTH_SCHEDULE, handler: senderHealth });
