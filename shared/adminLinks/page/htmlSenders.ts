/**
 * The settings page's parts for several senders per org: adding a sender, and the
 * routing rules as a small table with an "explain" box. Static like the rest of the page (html.ts);
 * shown by the script (client/senders.ts, client/routing.ts).
 */
export const SEVERAL_SENDERS_HTML = String.raw`    <details id="add-sender" class="panel">
      <summary>Add another sender</summary>
      <p class="muted">For example compliance alerts from privacy@ and everything else from the default sender. The routing rules then choose the sender of each message.</p>
      <div class="field">
        <label for="new-key">Sender key</label>
        <input id="new-key" autocomplete="off" spellcheck="false" maxlength="32" aria-describedby="new-key-help new-key-error">
        <p id="new-key-help" class="help">Lower-case letters, digits and dashes, e.g. compliance.</p>
        <p id="new-key-error" class="field-error" hidden></p>
      </div>
      <div class="field">
        <label for="new-provider">Provider</label>
        <select id="new-provider"></select>
      </div>
      <div class="field">
        <label for="new-mode">Connection</label>
        <select id="new-mode" aria-describedby="new-mode-help new-mode-error"></select>
        <p id="new-mode-help" class="help">Your own app registration and service account keys are filled in on the sender's form.</p>
        <p id="new-mode-error" class="field-error" hidden></p>
      </div>
      <div class="field">
        <label for="new-senderEmail">Its sender email</label>
        <input id="new-senderEmail" type="email" autocomplete="off" spellcheck="false" aria-describedby="new-senderEmail-error">
        <p id="new-senderEmail-error" class="field-error" hidden></p>
      </div>
      <div class="field">
        <label for="new-senderName">Its sender alias</label>
        <input id="new-senderName" autocomplete="off" maxlength="256" aria-describedby="new-senderName-error">
        <p id="new-senderName-error" class="field-error" hidden></p>
      </div>
      <p id="add-sender-message" class="field-error" role="alert" hidden></p>
      <button type="button" id="add-sender-button" class="secondary">Add sender</button>
    </details>

    <section id="routing-panel" class="panel" aria-labelledby="routing-heading" hidden>
      <h2 id="routing-heading">Routing rules</h2>
      <p class="muted">The first rule whose category and workspace fit a message chooses its sender; an empty field fits every message. Messages no rule fits go out from <strong>default</strong>. Several categories: separate them with commas.</p>
      <table id="rules" class="rules">
        <thead><tr><th scope="col">#</th><th scope="col">Category</th><th scope="col">Workspace</th><th scope="col">Sender</th><th scope="col"><span class="visually-hidden">Order</span></th></tr></thead>
        <tbody id="rules-body"></tbody>
      </table>
      <p id="rules-empty" class="muted">No rules: every message goes out from default.</p>
      <div class="row-actions">
        <button type="button" id="add-rule-button" class="secondary">Add rule</button>
        <button type="button" id="save-rules-button" class="primary">Save rules</button>
      </div>
      <p id="rules-message" role="status" aria-live="polite"></p>

      <h3 id="explain-heading">Which sender would a message use?</h3>
      <div class="explain" role="group" aria-labelledby="explain-heading">
        <div class="field">
          <label for="explain-category">Message category</label>
          <input id="explain-category" autocomplete="off" spellcheck="false" aria-describedby="explain-category-error">
          <p id="explain-category-error" class="field-error" hidden></p>
        </div>
        <div class="field">
          <label for="explain-workspace">Message workspace</label>
          <input id="explain-workspace" autocomplete="off" spellcheck="false" aria-describedby="explain-workspace-error">
          <p id="explain-workspace-error" class="field-error" hidden></p>
        </div>
        <button type="button" id="explain-button" class="secondary">Explain</button>
      </div>
      <div id="explain-result" class="explain-result" role="status" aria-live="polite" hidden>
        <p><strong>Sender:</strong> <span id="explain-sender"></span></p>
        <p><strong>Why:</strong> <span id="explain-reason"></span></p>
        <ul id="explain-hops"></ul>
      </div>
      <p class="help">Explain uses the saved rules and each sender's status right now: the same decision delivery takes.</p>
    </section>
`;
