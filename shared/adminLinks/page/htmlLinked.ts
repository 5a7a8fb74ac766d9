/**
 * The settings page's "Linked accounts" section: the org's directory connections with
 * their status, last sync and counts, linking a Microsoft 365 or Google Workspace directory (a name,
 * then the provider's consent page) and removing one. Static like the rest of the page (html.ts);
 * filled by client/linked.ts from `/api/manage/directory/connections`.
 */
export const LINKED_ACCOUNTS_HTML = String.raw`
    <section id="linked-panel" class="panel" aria-labelledby="linked-heading">
      <h2 id="linked-heading">Linked accounts</h2>
      <p class="muted">Directories whose users and groups your messages can be sent to. Linking asks an administrator to allow reading users and groups (never mail).</p>
      <ul id="connections" class="senders connections"></ul>
      <p id="connections-empty" class="muted">No account is linked yet.</p>
      <div class="field">
        <label for="connection-name">Name of the new link</label>
        <input id="connection-name" autocomplete="off" maxlength="64" aria-describedby="connection-name-help connection-name-error">
        <p id="connection-name-help" class="help">How it is listed here, e.g. Contoso Germany.</p>
        <p id="connection-name-error" class="field-error" hidden></p>
      </div>
      <div class="row-actions">
        <button type="button" id="link-microsoft" class="secondary">Link Microsoft 365</button>
        <button type="button" id="link-google" class="secondary">Link Google Workspace</button>
      </div>
      <p id="linked-message" role="status" aria-live="polite"></p>
    </section>
`;
