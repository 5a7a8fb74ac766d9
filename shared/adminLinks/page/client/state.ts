/** The page's one state object, shared by its modules. */
import type { ListedSender, RuleRow, SenderView } from './types';

/** The org's first sender, the one the single-sender routes (`manage/sender...`) mean. */
export const DEFAULT_SENDER = 'default';

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
  /** Whose form is open: `default`, or a named sender's key. */
  senderKey: DEFAULT_SENDER,
  /** The open form is a sender not saved yet (its first save creates it with POST manage/senders). */
  creating: false,
  /** The org's senders as last listed. */
  listed: [] as ListedSender[],
  /** The routing rules as edited (saved with "Save rules"). */
  rules: [] as RuleRow[],
};
