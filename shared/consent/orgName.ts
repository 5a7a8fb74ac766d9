/**
 * The org's display name, given by the SaaS with a consent link or an admin link, and shown to the
 * admin (as text, never markup) on the confirmation page and at the top of the settings page.
 * Letters, digits, spaces and common name punctuation; no control characters or angle brackets.
 */
import { z } from 'zod';

export const MAX_ORG_NAME_LENGTH = 100;

export const orgNameSchema = z
  .string()
  .trim()
  .min(1, 'orgName must not be empty')
  .max(MAX_ORG_NAME_LENGTH, `orgName must be at most ${MAX_ORG_NAME_LENGTH} characters`)
  .regex(/^[\p{L}\p{M}\p{N} .,&'’()\-_/+@!?:#]+$/u, "orgName may hold letters, digits, spaces and . , & ' ( ) - _ / + @ ! ? : #");
