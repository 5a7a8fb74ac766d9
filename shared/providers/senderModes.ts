/**
 * One table of every sender mode's rules, assembled from each provider's own (microsoft/, google/),
 * so the sender service has no per-mode `if`s: it asks this table.
 */
import type { SenderMode } from '../model/sender';
import { GOOGLE_SENDER_MODES } from './google/senderModes';
import { MICROSOFT_SENDER_MODES } from './microsoft/senderModes';

export type { SenderModeRules } from './senderModeRules';
import type { SenderModeRules } from './senderModeRules';

export const SENDER_MODE_RULES: Record<SenderMode, SenderModeRules> = { ...MICROSOFT_SENDER_MODES, ...GOOGLE_SENDER_MODES };
