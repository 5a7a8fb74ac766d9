/** Patterns that the message schema (delivery/schema.ts) and the sender routing rules (senders/rules.ts) share. */

/** `category` and `workspace` of a message: what routing rules match on. */
export const CATEGORY = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
