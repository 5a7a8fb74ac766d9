/** The page's one state object, shared by its modules. */
import type { SenderView } from './types';

export const state = {
  token: null as string | null,
  sender: null as SenderView | null,
  /** The form as last saved (JSON of the PUT body), to tell whether it changed. */
  savedForm: null as string | null,
  /** The chosen service account key file's text (never shown, never kept after a save). */
  keyText: null as string | null,
  consentPending: false,
  busy: false,
  aliasCheckTouched: false,
};
