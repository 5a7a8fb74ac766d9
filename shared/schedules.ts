/**
 * The timer triggers' schedules that functions/*.ts read when they register. They live here, apart
 * from the code the timers run, because registration happens at cold start: reading a constant
 * from the module of its logic would load that module, and with it the app file (dist/app.js,
 * dev/build.mjs), on every start. NCRONTAB with seconds, as Azure Functions expects
 * (https://learn.microsoft.com/azure/azure-functions/functions-bindings-timer#ncrontab-expressions).
 */

/** The poison sweep (shared/delivery/poisonSweep.ts): every 5 minutes. */
export const POISON_SWEEP_SCHEDULE = '0 */5 * * * *';

/** The sender-health check (shared/senders/health.ts): 06:00 UTC daily. */
export const SENDER_HEALTH_SCHEDULE = '0 0 6 * * *';
