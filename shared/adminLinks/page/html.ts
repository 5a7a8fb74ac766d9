/**
 * The settings page's HTML (served at `GET /api/settings`). Static: everything org-specific comes
 * from `/api/manage/*` once the script has the token from the URL fragment, so the HTML can be cached
 * and never holds data. Kept as a string module so it is bundled into dist/main.js (the deployment
 * zip carries no source folders: .funcignore) and needs no build step.
 *
 * Every input has a <label>; help and error texts are tied to it with aria-describedby; status
 * changes are announced through live regions.
 */
import { LINKED_ACCOUNTS_HTML } from './htmlLinked';
import { SEVERAL_SENDERS_HTML } from './htmlSenders';

export const SETTINGS_HTML = String.raw`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Email sender settings</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="settings/app.css">
<script src="settings/app.js" defer></script>
</head>
<body>
<main id="app" aria-busy="true">
  <header class="top">
    <div>
      <p class="org-banner"><span class="org-label">Settings for</span> <strong id="org-name" class="org-name" hidden></strong> <span class="org-id">Organization <code id="org-id">…</code></span></p>
      <h1>Email sender</h1>
      <p class="sub"><span id="link-expiry"></span></p>
    </div>
    <a id="back-link" class="back" href="#" hidden>Back to the application</a>
  </header>

  <section id="fatal" class="panel problem" role="alert" hidden>
    <h2 id="fatal-title">This settings link cannot be used</h2>
    <p id="fatal-message"></p>
    <p id="fatal-hint" class="hint"></p>
  </section>

  <section id="finished" class="panel" role="status" hidden>
    <h2 id="finished-title"></h2>
    <p id="finished-message"></p>
    <p id="finished-hint" class="hint"></p>
    <p>You can close this tab and go back to the email settings: they update when you return.</p>
  </section>

  <div id="workspace" hidden>
    <section class="panel" aria-labelledby="status-heading">
      <h2 id="status-heading">Status</h2>
      <p class="status-line"><span id="status-badge" class="badge"></span> <span id="status-notice"></span></p>
      <p id="locked-note" class="locked-note" hidden>The fields are read-only while the sender is locked. Reset deletes the saved secrets and unlocks them.</p>
      <p id="last-test" class="muted"></p>
      <div id="warnings" class="problem" hidden>
        <h3>Needs action soon</h3>
        <div id="warnings-list"></div>
      </div>
      <div id="last-error" class="problem" hidden>
        <h3>Last problem</h3>
        <p id="last-error-hint"></p>
        <p class="detail">Details: <span id="last-error-message"></span></p>
        <p class="detail">Code <code id="last-error-code"></code><span id="last-error-at"></span></p>
      </div>
    </section>

    <section id="senders-panel" class="panel" aria-labelledby="senders-heading" hidden>
      <h2 id="senders-heading">Senders</h2>
      <p class="muted">Messages are routed among these senders by the routing rules below. Choose a sender's key to open its form; <strong>default</strong> takes every message no rule names.</p>
      <ul id="senders-list" class="senders"></ul>
    </section>

    <div id="message" class="message" role="status" aria-live="polite" hidden>
      <p id="message-text"></p>
      <p id="message-hint" class="hint"></p>
      <ul id="message-list"></ul>
    </div>

    <form id="sender-form" class="panel" novalidate aria-labelledby="form-heading">
      <h2 id="form-heading" hidden></h2>
      <p id="form-creating" class="muted" hidden>Fill in the rest of this sender, then use Test connection: that saves it as a new sender.</p>
      <fieldset id="config-fields" class="plain">
        <fieldset class="group">
          <legend>Mail provider</legend>
          <div class="choices two">
            <label class="choice"><input type="radio" name="provider" value="microsoft" aria-labelledby="provider-microsoft" aria-describedby="provider-microsoft-help"> <span><strong id="provider-microsoft">Microsoft 365</strong><small id="provider-microsoft-help">Exchange Online mailboxes, sent through Microsoft Graph.</small></span></label>
            <label class="choice"><input type="radio" name="provider" value="google" aria-labelledby="provider-google" aria-describedby="provider-google-help"> <span><strong id="provider-google">Google</strong><small id="provider-google-help">Gmail and Google Workspace, sent through the Gmail API.</small></span></label>
          </div>
        </fieldset>

        <fieldset class="group">
          <legend>How to connect</legend>
          <div class="choices" id="mode-choices">
            <label class="choice" data-provider="microsoft"><input type="radio" name="mode" value="admin_consent" aria-labelledby="mode-admin_consent" aria-describedby="mode-admin_consent-help"> <span><strong id="mode-admin_consent">Admin consent <em class="tag">recommended</em></strong><small id="mode-admin_consent-help">A Global Administrator approves our app once for your tenant. Nothing secret to copy or renew.</small></span></label>
            <label class="choice" data-provider="microsoft"><input type="radio" name="mode" value="app_registration" aria-labelledby="mode-app_registration" aria-describedby="mode-app_registration-help"> <span><strong id="mode-app_registration">Your own app registration</strong><small id="mode-app_registration-help">You register an app in Microsoft Entra ID with the Mail.Send application permission and give us its tenant ID, client ID and client secret.</small></span></label>
            <label class="choice" data-provider="microsoft"><input type="radio" name="mode" value="delegated" aria-labelledby="mode-delegated" aria-describedby="mode-delegated-help"> <span><strong id="mode-delegated">Sign in as a user</strong><small id="mode-delegated-help">A user signs in and we send as them, or as a shared mailbox they have "Send as" rights on.</small></span></label>
            <label class="choice" data-provider="google"><input type="radio" name="mode" value="oauth" aria-labelledby="mode-oauth" aria-describedby="mode-oauth-help"> <span><strong id="mode-oauth">Sign in with Google</strong><small id="mode-oauth-help">A Google account signs in and allows sending email; we send from it or from one of its verified aliases.</small></span></label>
            <label class="choice" data-provider="google"><input type="radio" name="mode" value="service_account" aria-labelledby="mode-service_account" aria-describedby="mode-service_account-help"> <span><strong id="mode-service_account">Service account key</strong><small id="mode-service_account-help">For Google Workspace: upload the JSON key of a service account with domain-wide delegation for the gmail.send scope.</small></span></label>
          </div>
        </fieldset>

        <div class="mode-panel" data-modes="admin_consent delegated oauth">
          <p id="consent-state" class="muted"></p>
          <div class="field check mode-panel" data-modes="oauth">
            <input id="aliasCheck" name="aliasCheck" type="checkbox" aria-describedby="aliasCheck-help">
            <label for="aliasCheck">Also allow checking send-as aliases</label>
            <p id="aliasCheck-help" class="help">Needed only when the sender email is an alias of the Google account you sign in with: Google shows us the account's verified aliases only with this extra permission (read your Gmail settings, gmail.settings.basic), and without seeing it verified we cannot send as it. Google classes that permission as restricted: unless this platform has passed Google's restricted-scope review, Google warns that the app is unverified and lets at most 100 users sign in. Leave it unticked when the sender email is the account's own address.</p>
          </div>
          <button type="button" id="consent-button" class="secondary"></button>
          <p id="consent-help" class="help"></p>
          <p id="consent-error" class="field-error" hidden></p>
        </div>

        <div class="mode-panel" data-modes="app_registration">
          <div class="field">
            <label for="tenantId">Tenant ID</label>
            <input id="tenantId" name="tenantId" autocomplete="off" spellcheck="false" inputmode="text" aria-describedby="tenantId-help tenantId-error">
            <p id="tenantId-help" class="help">Directory (tenant) ID, on the Overview page of the app registration.</p>
            <p id="tenantId-error" class="field-error" hidden></p>
          </div>
          <div class="field">
            <label for="clientId">Client ID</label>
            <input id="clientId" name="clientId" autocomplete="off" spellcheck="false" aria-describedby="clientId-help clientId-error">
            <p id="clientId-help" class="help">Application (client) ID, on the same Overview page.</p>
            <p id="clientId-error" class="field-error" hidden></p>
          </div>
          <div class="field">
            <label for="clientSecret">Client secret</label>
            <input id="clientSecret" name="clientSecret" type="password" autocomplete="new-password" spellcheck="false" aria-describedby="clientSecret-help clientSecret-saved clientSecret-error">
            <p id="clientSecret-help" class="help">The secret's <strong>Value</strong> (not its Secret ID), under Certificates &amp; secrets. It is stored in a key vault and never shown again.</p>
            <p id="clientSecret-saved" class="saved" hidden></p>
            <p id="clientSecret-error" class="field-error" hidden></p>
          </div>
          <div class="field">
            <label for="clientSecretExpiresOn">Secret expires on <span class="optional">(optional)</span></label>
            <input id="clientSecretExpiresOn" name="clientSecretExpiresOn" type="date" aria-describedby="clientSecretExpiresOn-help clientSecretExpiresOn-error">
            <p id="clientSecretExpiresOn-help" class="help">The "Expires" date of the secret, so the expiry can be shown here.</p>
            <p id="clientSecretExpiresOn-error" class="field-error" hidden></p>
          </div>
          <div class="field">
            <label for="mailboxObjectId">Mailbox object ID <span class="optional">(optional)</span></label>
            <input id="mailboxObjectId" name="mailboxObjectId" autocomplete="off" spellcheck="false" aria-describedby="mailboxObjectId-help mailboxObjectId-error">
            <p id="mailboxObjectId-help" class="help">Entra ID &gt; Users &gt; the mailbox user &gt; Object ID. Keeps working when the address changes.</p>
            <p id="mailboxObjectId-error" class="field-error" hidden></p>
          </div>
        </div>

        <div class="mode-panel" data-modes="service_account">
          <div class="field">
            <label for="serviceAccountKey">Service account JSON key</label>
            <input id="serviceAccountKey" name="serviceAccountKey" type="file" accept="application/json,.json" aria-describedby="serviceAccountKey-help serviceAccountKey-saved serviceAccountKey-error">
            <p id="serviceAccountKey-help" class="help">Google Cloud console &gt; IAM &gt; Service accounts &gt; Keys &gt; Add key (JSON). The key is stored in a key vault and never shown again.</p>
            <p id="serviceAccountKey-saved" class="saved" hidden></p>
            <p id="serviceAccountKey-error" class="field-error" hidden></p>
          </div>
        </div>

        <div class="field">
          <label for="senderEmail">Sender email</label>
          <input id="senderEmail" name="senderEmail" type="email" autocomplete="off" spellcheck="false" aria-describedby="senderEmail-help senderEmail-error">
          <p id="senderEmail-help" class="help">The address notifications come from, e.g. notifications@yourdomain.com.</p>
          <p id="senderEmail-error" class="field-error" hidden></p>
        </div>
        <div class="field">
          <label for="senderName">Sender alias</label>
          <input id="senderName" name="senderName" autocomplete="off" maxlength="256" aria-describedby="senderName-help senderName-error">
          <p id="senderName-help" class="help">The name recipients see as the sender, e.g. Compliance team - Your company.</p>
          <p id="senderName-error" class="field-error" hidden></p>
        </div>

        <details class="more">
          <summary>More options</summary>
          <div class="field">
            <label for="replyTo">Reply-to address <span class="optional">(optional)</span></label>
            <input id="replyTo" name="replyTo" type="email" autocomplete="off" spellcheck="false" aria-describedby="replyTo-help replyTo-error">
            <p id="replyTo-help" class="help">Where replies go, when not to the sender email.</p>
            <p id="replyTo-error" class="field-error" hidden></p>
          </div>
          <div class="field check">
            <input id="fallbackToDefault" name="fallbackToDefault" type="checkbox" aria-describedby="fallbackToDefault-help">
            <label for="fallbackToDefault">Use the default sender while this mailbox is not working</label>
            <p id="fallbackToDefault-help" class="help">Off: notifications wait and fail instead of coming from another address.</p>
          </div>
        </details>
      </fieldset>

      <div class="actions">
        <button type="button" id="verify-button" class="secondary">Test connection</button>
        <button type="button" id="test-button" class="primary">Save and test</button>
        <button type="button" id="reset-button" class="danger">Reset</button>
      </div>
    </form>

    <section id="checks-panel" class="panel" aria-labelledby="checks-heading" hidden>
      <h2 id="checks-heading">Connection checks</h2>
      <p id="checks-summary"></p>
      <ul id="checks" class="checks"></ul>
    </section>

${SEVERAL_SENDERS_HTML}${LINKED_ACCOUNTS_HTML}  </div>

  <dialog id="test-dialog" aria-labelledby="test-dialog-title">
    <form id="test-form" method="dialog" novalidate>
      <h2 id="test-dialog-title">Send a test message</h2>
      <p>We save the configuration if it changed and send one real message from it. When it is accepted, the sender becomes active and is locked.</p>
      <div class="field">
        <label for="to">Send the test message to</label>
        <input id="to" name="to" type="email" autocomplete="email" required aria-describedby="to-error">
        <p id="to-error" class="field-error" hidden></p>
      </div>
      <div class="actions">
        <button type="submit" value="send" class="primary">Send test message</button>
        <button type="submit" value="cancel" class="secondary" formnovalidate>Cancel</button>
      </div>
    </form>
  </dialog>

  <dialog id="reset-dialog" aria-labelledby="reset-dialog-title">
    <form method="dialog">
      <h2 id="reset-dialog-title">Reset the sender?</h2>
      <p>The saved secrets and sign-ins are deleted and the configuration is unlocked. Until a new test send succeeds, notifications go out from the default sender.</p>
      <div class="actions">
        <button type="submit" value="reset" class="danger">Reset</button>
        <button type="submit" value="cancel" class="secondary">Cancel</button>
      </div>
    </form>
  </dialog>
</main>
</body>
</html>
`;
