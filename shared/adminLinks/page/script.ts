/**
 * The settings page's script (`GET /api/settings/app.js`): vanilla JS for current browsers, no
 * build step. It takes the admin token from the URL fragment, keeps it in sessionStorage (so a
 * consent round trip in the same tab comes back signed in) and sends it as `Authorization: Bearer`
 * to `/api/admin/*`. It renders only what the API returns, always through textContent (never
 * innerHTML), and never receives a secret: secret fields are write-only and show saved hints.
 *
 * Written without template literals so it can live in this String.raw module.
 */
export const SETTINGS_JS = String.raw`
(function () {
  'use strict';

  var TOKEN_KEY = 'org-mailer.admin-token';
  var MODES = { microsoft: ['admin_consent', 'app_registration', 'delegated'], google: ['oauth', 'service_account'] };
  var STATUS = {
    none: 'Default sender',
    draft: 'Draft',
    active: 'Active',
    needs_attention: 'Needs attention'
  };
  var CONSENT_BUTTONS = {
    admin_consent: 'Grant admin consent in Microsoft 365',
    delegated: 'Sign in with Microsoft',
    oauth: 'Sign in with Google'
  };
  var CONSENT_HELP = {
    admin_consent: 'Opens Microsoft\'s consent page. Sign in as a Global Administrator and accept; you come back here afterwards.',
    delegated: 'Opens Microsoft\'s sign-in page. For a shared mailbox, sign in as a user with "Send as" rights and enter the shared address as sender email.',
    oauth: 'Opens Google\'s sign-in page. Allow "Send email on your behalf"; you come back here afterwards.'
  };
  var CHECK_LABELS = {
    token: 'Sign-in of the app',
    'sign-in': 'Saved sign-in',
    permission: 'Permission to send',
    scope: 'Permission to send',
    mailbox: 'Mailbox',
    alias: 'Sender address',
    spf: 'Sender domain: SPF', dkim: 'Sender domain: DKIM', dmarc: 'Sender domain: DMARC'
  };
  var PROVIDER_LABELS = { microsoft: 'Microsoft 365', google: 'Google' };

  var state = { token: null, sender: null, savedForm: null, keyText: null, consentPending: false, busy: false, aliasCheckTouched: false };

  function $(id) { return document.getElementById(id); }
  function radios(name) { return Array.prototype.slice.call(document.querySelectorAll('input[name="' + name + '"]')); }
  function radioValue(name) { var r = radios(name).filter(function (i) { return i.checked; })[0]; return r ? r.value : ''; }
  function setRadio(name, value) { radios(name).forEach(function (i) { i.checked = i.value === value; }); }
  function text(id, value) { $(id).textContent = value || ''; }
  function when(iso) { return iso ? new Date(iso).toLocaleString() : ''; }
  function sentence(value) { return value ? value.charAt(0).toUpperCase() + value.slice(1) : ''; }

  // ---- token and API -------------------------------------------------------------------------

  function takeToken() {
    var fragment = new URLSearchParams(location.hash.replace(/^#/, ''));
    var token = fragment.get('token');
    var stored = false;
    try {
      if (token) sessionStorage.setItem(TOKEN_KEY, token);
      else token = sessionStorage.getItem(TOKEN_KEY);
      stored = true;
    } catch (e) { /* storage blocked (e.g. some embedded frames): the token lives in memory only */ }
    // Out of the address bar once kept: not in history, not copied along with the URL.
    if (stored && (location.hash || location.search)) history.replaceState(null, '', location.pathname);
    return token;
  }

  function ApiError(error, status) {
    this.code = error.code; this.message = error.message; this.hint = error.hint; this.fields = error.fields; this.status = status;
  }

  async function api(method, path, body) {
    var init = { method: method, cache: 'no-store', headers: { Authorization: 'Bearer ' + state.token, Accept: 'application/json' } };
    if (body !== undefined) { init.headers['Content-Type'] = 'application/json'; init.body = JSON.stringify(body); }
    var response;
    try {
      response = await fetch(new URL('admin/' + path, location.href), init);
    } catch (e) {
      throw new ApiError({ code: 'NETWORK', message: 'The server could not be reached.', hint: 'Check the network connection and try again.' }, 0);
    }
    var raw = await response.text();
    var data = null;
    try { data = raw ? JSON.parse(raw) : null; } catch (e) { data = null; }
    if (response.ok) return data;
    var error = new ApiError((data && data.error) || { code: 'HTTP_' + response.status, message: 'The server answered ' + response.status + '.' }, response.status);
    if (error.code === 'ADMIN_LINK_INVALID') showFatal(error);
    throw error;
  }

  // ---- messages ------------------------------------------------------------------------------

  function say(kind, message, hint, list) {
    var box = $('message');
    box.className = 'message ' + kind;
    box.setAttribute('role', kind === 'error' ? 'alert' : 'status');
    text('message-text', message);
    text('message-hint', hint);
    var ul = $('message-list');
    ul.textContent = '';
    (list || []).forEach(function (line) { var li = document.createElement('li'); li.textContent = line; ul.appendChild(li); });
    box.hidden = false;
  }

  function quiet() { $('message').hidden = true; }

  function showFatal(error) {
    text('fatal-message', error.message);
    text('fatal-hint', error.hint);
    $('fatal').hidden = false;
    $('workspace').hidden = true;
    $('app').setAttribute('aria-busy', 'false');
  }

  function clearFieldErrors() {
    document.querySelectorAll('.field-error').forEach(function (slot) { slot.textContent = ''; slot.hidden = true; });
    document.querySelectorAll('[aria-invalid]').forEach(function (input) { input.removeAttribute('aria-invalid'); });
  }

  /** Puts each 422 field message next to its field; returns those that have no field on the page. */
  function showFieldErrors(fields) {
    var unplaced = [];
    var first = null;
    Object.keys(fields || {}).forEach(function (name) {
      var slot = $(name + '-error');
      var message = fields[name].indexOf(name + ' ') === 0 ? fields[name].slice(name.length + 1) : fields[name];
      // A field not on screen (another mode's panel, a closed dialog) is listed in the message instead.
      if (!slot || slot.parentElement.closest('[hidden], dialog:not([open])')) { unplaced.push(name + ': ' + fields[name]); return; }
      slot.textContent = sentence(message);
      slot.hidden = false;
      var input = $(name);
      if (input) { input.setAttribute('aria-invalid', 'true'); first = first || input; }
    });
    if (first && !first.disabled) first.focus();
    return unplaced;
  }

  function sayError(error) {
    var unplaced = showFieldErrors(error.fields);
    var hint = error.code === 'VALIDATION_FAILED' ? 'See the marked fields.' : error.hint;
    say('error', error.message, hint, unplaced);
  }

  // ---- form ----------------------------------------------------------------------------------

  function showModes() {
    var provider = radioValue('provider');
    document.querySelectorAll('#mode-choices .choice').forEach(function (choice) { choice.hidden = choice.getAttribute('data-provider') !== provider; });
    if (MODES[provider] && MODES[provider].indexOf(radioValue('mode')) < 0) setRadio('mode', MODES[provider][0]);
    showModePanel();
  }

  function showModePanel() {
    var mode = radioValue('mode');
    document.querySelectorAll('.mode-panel').forEach(function (panel) { panel.hidden = panel.getAttribute('data-modes').split(' ').indexOf(mode) < 0; });
    if (CONSENT_BUTTONS[mode]) {
      text('consent-button', CONSENT_BUTTONS[mode]);
      text('consent-help', CONSENT_HELP[mode]);
      text('consent-state', consentState(mode));
    }
  }

  function consentState(mode) {
    var v = state.sender;
    if (!v || v.mode !== mode) return 'Not connected yet.';
    var parts = [];
    if (v.tenantId && mode === 'admin_consent') parts.push('tenant ' + v.tenantId);
    if (v.accountEmail) parts.push('signed in as ' + v.accountEmail);
    if (v.consentedAt) parts.push('on ' + when(v.consentedAt));
    if (!parts.length && !Object.keys(v.secrets || {}).length) return 'Not connected yet.';
    return 'Connected' + (parts.length ? ': ' + parts.join(', ') : '') + '.';
  }

  function value(id) { return $(id).value.trim(); }

  /** The PUT body, exactly the API's flat JSON (design.md section 4). Empty secrets are left out: the saved ones stay. */
  function formBody() {
    var body = { provider: radioValue('provider'), mode: radioValue('mode'), senderEmail: value('senderEmail'), senderName: value('senderName'), fallbackToDefault: $('fallbackToDefault').checked };
    if (value('replyTo')) body.replyTo = value('replyTo');
    if (body.mode === 'app_registration') {
      body.tenantId = value('tenantId');
      body.clientId = value('clientId');
      if ($('clientSecret').value) body.clientSecret = $('clientSecret').value;
      if (value('clientSecretExpiresOn')) body.clientSecretExpiresOn = value('clientSecretExpiresOn');
      if (value('mailboxObjectId')) body.mailboxObjectId = value('mailboxObjectId');
    }
    if (body.mode === 'service_account' && state.keyText) body.serviceAccountKey = state.keyText;
    return body;
  }

  function isDirty() { return !state.sender || JSON.stringify(formBody()) !== state.savedForm; }

  function fillForm(v) {
    setRadio('provider', v ? v.provider : 'microsoft');
    setRadio('mode', v ? v.mode : 'admin_consent');
    showModes();
    ['senderEmail', 'senderName', 'replyTo', 'tenantId', 'clientId', 'mailboxObjectId'].forEach(function (id) { $(id).value = (v && v[id]) || ''; });
    $('clientSecretExpiresOn').value = v && v.clientSecretExpiresOn ? v.clientSecretExpiresOn.slice(0, 10) : '';
    $('fallbackToDefault').checked = v ? v.fallbackToDefault !== false : true;
    $('clientSecret').value = '';
    $('serviceAccountKey').value = '';
    state.keyText = null;
    var secrets = (v && v.secrets) || {};
    savedHint('clientSecret', secrets.clientSecret, 'A secret is on file (' + secrets.clientSecret + '). Leave this empty to keep it.');
    savedHint('serviceAccountKey', secrets.serviceAccountKey, 'A key is on file (' + secrets.serviceAccountKey + '). Choose a file only to replace it.');
    state.savedForm = v ? JSON.stringify(formBody()) : null;
    state.aliasCheckTouched = false;
    suggestAliasCheck();
  }

  /**
   * Google sign-in: tick "check send-as aliases" by itself when the sender email differs from the
   * Google account already signed in (Gmail sends as an alias only once it is seen verified), until
   * the admin sets the box themselves.
   */
  function suggestAliasCheck() {
    if (state.aliasCheckTouched) return;
    var v = state.sender;
    var account = v && v.provider === 'google' && v.mode === 'oauth' && v.accountEmail ? v.accountEmail.toLowerCase() : '';
    var sender = value('senderEmail').toLowerCase();
    $('aliasCheck').checked = !!(account && sender && sender !== account);
  }

  function savedHint(id, hint, message) {
    $(id + '-saved').hidden = !hint;
    $(id + '-saved').textContent = hint ? message : '';
  }

  // ---- status --------------------------------------------------------------------------------

  function renderStatus() {
    var v = state.sender;
    var key = v ? v.status : 'none';
    var badge = $('status-badge');
    badge.textContent = STATUS[key] || key;
    badge.className = 'badge badge-' + key;
    text('status-notice', v ? v.notice : 'No sender is set up: notifications go out from the default sender. Choose a provider below to send from your own mailbox.');
    $('locked-note').hidden = !(v && v.locked);
    var test = v && v.lastTest;
    text('last-test', !test ? '' : test.ok
      ? 'Last test: sent to ' + test.to + ' on ' + when(test.at) + '.'
      : 'Last test' + (test.to ? ' to ' + test.to : '') + ' on ' + when(test.at) + ' failed' + (test.code ? ' (' + test.code + ')' : '') + '.');
    var problem = v && v.lastError;
    $('last-error').hidden = !problem;
    if (problem) {
      text('last-error-message', problem.message);
      text('last-error-hint', problem.hint);
      text('last-error-code', problem.code);
      text('last-error-at', problem.at ? ', ' + when(problem.at) : '');
    }
    // Computed by the API when read (e.g. a client secret expiring within 30 days): shown like lastError.
    var warnings = (v && v.warnings) || [];
    $('warnings').hidden = !warnings.length;
    var list = $('warnings-list');
    list.textContent = '';
    function line(content, className) {
      var p = document.createElement('p');
      p.textContent = content;
      if (className) p.className = className;
      return list.appendChild(p);
    }
    warnings.forEach(function (w) {
      line(w.hint);
      line(w.message, 'detail');
      line('Code ', 'detail').appendChild(document.createElement('code')).textContent = w.code;
    });
    $('config-fields').disabled = !!(v && v.locked);
    $('reset-button').disabled = !v;
    text('test-button', v && v.locked ? 'Send test message' : 'Save and test');
  }

  function applySender(v) {
    state.sender = v;
    fillForm(v);
    renderStatus();
  }

  async function loadSender() {
    try {
      applySender(await api('GET', 'sender'));
    } catch (error) {
      if (error.code !== 'SENDER_NOT_FOUND') throw error;
      applySender(null);
    }
  }

  // ---- actions -------------------------------------------------------------------------------

  /** Runs one action at a time: buttons off, old messages cleared, any failure shown in plain words. */
  async function run(action) {
    if (state.busy) return;
    state.busy = true;
    $('app').setAttribute('aria-busy', 'true');
    document.querySelectorAll('.actions button, #consent-button').forEach(function (b) { b.dataset.wasDisabled = b.disabled ? '1' : ''; b.disabled = true; });
    quiet();
    clearFieldErrors();
    try {
      await action();
    } catch (error) {
      if (error instanceof ApiError) { if (error.code !== 'ADMIN_LINK_INVALID') sayError(error); }
      else say('error', 'Something went wrong in this page.', String(error && error.message || error));
    } finally {
      document.querySelectorAll('.actions button, #consent-button').forEach(function (b) { b.disabled = b.dataset.wasDisabled === '1'; });
      renderStatus();
      state.busy = false;
      $('app').setAttribute('aria-busy', 'false');
    }
  }

  /** Test connection and test sends act on the SAVED configuration: save first when the form changed. */
  async function saveIfChanged() {
    if (state.sender && (state.sender.locked || !isDirty())) return;
    applySender(await api('PUT', 'sender', formBody()));
  }

  function renderChecks(result) {
    var list = $('checks');
    list.textContent = '';
    (result.checks || []).forEach(function (check) {
      // A failed check without a code was not run (an earlier one failed): say so, not "Failed".
      var kind = check.ok ? 'ok' : check.skipped || !check.code ? 'skipped' : check.level === 'warning' ? 'warn' : 'fail';
      var li = document.createElement('li');
      li.className = kind;
      var head = document.createElement('p');
      var name = document.createElement('strong');
      name.textContent = CHECK_LABELS[check.name] || check.name;
      var verdict = document.createElement('span');
      verdict.className = 'verdict';
      verdict.textContent = { ok: 'OK', fail: 'Failed', warn: 'Warning', skipped: 'Not checked' }[kind];
      head.appendChild(name);
      head.appendChild(document.createTextNode(': '));
      head.appendChild(verdict);
      li.appendChild(head);
      // Plain words first; the provider's own text is a detail for whoever digs deeper.
      var parts = kind === 'fail' || kind === 'warn' ? [[check.hint, ''], [check.message ? 'Details: ' + check.message : '', 'detail']] : [[check.message, '']];
      parts.push([check.code ? 'Code ' + check.code : '', 'detail']);
      parts.forEach(function (part) {
        if (!part[0]) return;
        var p = document.createElement('p');
        p.className = part[1];
        p.textContent = part[0];
        li.appendChild(p);
      });
      list.appendChild(li);
    });
    var allOk = (result.checks || []).every(function (c) { return c.ok; });
    text('checks-summary', !result.ok ? 'Some checks failed. Fix what is described below, then test again.' : allOk ? 'All checks passed. No message was sent.' : 'No check failed; see the warnings and what could not be checked below (Save and test proves the rest). No message was sent.');
    $('checks-panel').hidden = false;
  }

  function verify() {
    return run(async function () {
      await saveIfChanged();
      var result = await api('POST', 'sender/verify');
      renderChecks(result);
      if (result.ok) say('ok', 'The connection works. Use "' + $('test-button').textContent + '" to send a real test message.');
      else say('error', 'The connection test found a problem.', 'See the connection checks below.');
      $('checks-panel').scrollIntoView({ block: 'nearest' });
    });
  }

  function askTestRecipient() {
    var lastTo = state.sender && state.sender.lastTest && state.sender.lastTest.to;
    if (!$('to').value) $('to').value = lastTo || '';
    $('to-error').hidden = true;
    $('test-dialog').returnValue = ''; // Escape keeps the previous returnValue: never re-send on it
    $('test-dialog').showModal();
  }

  function sendTest(to) {
    return run(async function () {
      await saveIfChanged();
      try {
        var result = await api('POST', 'sender/test', { to: to });
        applySender(result.sender);
        $('checks-panel').hidden = true;
        say('ok', 'A test message was sent to ' + result.sentTo + '. The sender is active.', 'Check that it arrived, and look in the sent items or logs of the mailbox if needed.');
      } catch (error) {
        if (error.code === 'VALIDATION_FAILED' || error.code === 'ADMIN_LINK_INVALID') throw error;
        // A failed test is recorded on the sender: show it once, under "Last problem", not twice.
        await loadSender().catch(function () {});
        var recorded = state.sender && state.sender.lastError;
        if (!recorded || recorded.code !== error.code) throw error;
        say('error', 'The test message was not sent.', 'The reason and what to do are under "Last problem" above.');
      }
    });
  }

  function reset() {
    return run(async function () {
      applySender(await api('POST', 'sender/reset'));
      $('checks-panel').hidden = true;
      say('ok', 'The sender was reset: its secrets were deleted and notifications go out from the default sender until a new test send succeeds.');
    });
  }

  /**
   * Consent leaves the page (Microsoft and Google refuse to be framed). At top level it happens in
   * this tab and comes back with the token still in sessionStorage. Inside a frame a new tab is opened
   * (synchronously, before any await, so popup blockers allow it) and this page reloads the sender
   * when it is looked at again.
   */
  function startConsent() {
    var framed = window.top !== window.self;
    var tab = framed ? window.open('', '_blank') : null;
    if (tab) tab.opener = null;
    return run(async function () {
      try {
        var body = formBody();
        if (body.senderEmail && body.senderName) await saveIfChanged();
        var request = { provider: body.provider, mode: body.mode };
        if (body.mode === 'oauth' && $('aliasCheck').checked) request.aliasCheck = true;
        var link = await api('POST', 'sender/consent-link', request);
        if (tab) {
          tab.location.href = link.url;
          state.consentPending = true;
          say('info', 'Finish the consent in the new tab; this page updates when you come back.');
        } else {
          location.assign(link.url);
        }
      } catch (error) {
        if (tab) tab.close();
        throw error;
      }
    });
  }

  /**
   * The consent callback redirects back here with ?consent=connected|declined|failed&code=...
   * The hint of a code comes from the page's static error texts (no token needed: a consent
   * finished in a new tab may have none).
   */
  async function describeConsent(query) {
    var outcome = query.get('consent');
    if (!outcome) return null;
    var provider = PROVIDER_LABELS[query.get('provider')] || 'the provider';
    if (outcome === 'connected') {
      return { ok: true, title: 'Connected', message: 'Connected to ' + provider + '.', hint: 'Check the sender email and alias, then use "Test connection" or "Save and test".' };
    }
    var code = query.get('code');
    var hint = '';
    if (code) {
      try {
        var answer = await fetch(new URL('settings/errors/' + encodeURIComponent(code), location.href));
        if (answer.ok) hint = (await answer.json()).hint;
      } catch (e) { /* the outcome is still worth showing without its hint */ }
    }
    return outcome === 'declined'
      ? { ok: false, title: 'Consent was declined', message: 'Consent was declined, so nothing was changed.', hint: hint }
      : { ok: false, title: 'Not connected', message: 'The connection to ' + provider + ' did not complete' + (code ? ' (' + code + ')' : '') + '.', hint: hint };
  }

  function showFinished(result) {
    text('finished-title', result.title);
    text('finished-message', result.message);
    text('finished-hint', result.ok ? '' : result.hint);
    $('finished').hidden = false;
    $('app').setAttribute('aria-busy', 'false');
  }

  async function loadSession() {
    var session = await api('GET', 'session');
    text('org-id', session.orgId);
    var expires = new Date(session.expiresAt);
    text('link-expiry', ' · this link works until ' + expires.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }));
    if (session.returnUrl) { $('back-link').href = session.returnUrl; $('back-link').hidden = false; }
    var left = expires.getTime() - Date.now();
    if (left > 0 && left < 2147483647) {
      setTimeout(function () { showFatal({ message: 'This settings link has expired.', hint: 'Open the email settings again from the application to get a new link.' }); }, left);
    }
  }

  // ---- start ---------------------------------------------------------------------------------

  function wire() {
    radios('provider').forEach(function (r) { r.addEventListener('change', showModes); });
    radios('mode').forEach(function (r) { r.addEventListener('change', showModePanel); });
    $('verify-button').addEventListener('click', verify);
    $('test-button').addEventListener('click', askTestRecipient);
    $('reset-button').addEventListener('click', function () { $('reset-dialog').returnValue = ''; $('reset-dialog').showModal(); });
    $('consent-button').addEventListener('click', startConsent);
    $('senderEmail').addEventListener('input', suggestAliasCheck);
    $('aliasCheck').addEventListener('change', function () { state.aliasCheckTouched = true; });
    $('sender-form').addEventListener('submit', function (event) { event.preventDefault(); });
    $('serviceAccountKey').addEventListener('change', async function () {
      var file = this.files && this.files[0];
      state.keyText = file ? await file.text() : null;
    });
    $('test-dialog').addEventListener('close', function () {
      if ($('test-dialog').returnValue === 'send') sendTest(value('to'));
    });
    $('test-form').addEventListener('submit', function (event) {
      if (event.submitter && event.submitter.value === 'send' && !$('to').checkValidity()) {
        event.preventDefault();
        text('to-error', 'Enter the email address the test message should go to.');
        $('to-error').hidden = false;
        $('to').setAttribute('aria-invalid', 'true');
      }
    });
    $('reset-dialog').addEventListener('close', function () {
      if ($('reset-dialog').returnValue === 'reset') reset();
    });
    var refresh = function () {
      if (!document.hidden && state.consentPending && !state.busy) {
        state.consentPending = false;
        run(loadSender);
      }
    };
    document.addEventListener('visibilitychange', refresh);
    window.addEventListener('focus', refresh);
  }

  async function start() {
    var query = new URLSearchParams(location.search);
    state.token = takeToken();
    wire();
    var consent = await describeConsent(query);
    if (!state.token && consent) {
      showFinished(consent); // a consent finished in a tab of its own
      return;
    }
    if (!state.token) {
      showFatal({ message: 'This page opens from a settings link, and this address carries none.', hint: 'Open the email settings from the application: it gives you a link that works for 60 minutes.' });
      return;
    }
    try {
      await loadSession();
      await loadSender();
    } catch (error) {
      if (!(error instanceof ApiError) || error.code !== 'ADMIN_LINK_INVALID') {
        showFatal({ message: 'The settings could not be loaded.', hint: (error && error.message) || String(error) });
      }
      return;
    }
    $('workspace').hidden = false;
    $('app').setAttribute('aria-busy', 'false');
    if (consent) say(consent.ok ? 'ok' : 'error', consent.message, consent.hint);
  }

  start();
})();
`;
