/**
 * The instance's life: on the host's graceful shutdown (scale-in, a deployment) the mailbox permits
 * this instance leases go back at once, instead of other instances waiting about two minutes for
 * their leases to run out (shared/delivery/permitLeases.ts). Thin: the work is `closeServices`.
 */
import { closeServices } from '@shared/services';
import { defineTerminateHook } from './registry';

export const releaseOnShutdown = (): Promise<void> => closeServices();

defineTerminateHook(releaseOnShutdown);
