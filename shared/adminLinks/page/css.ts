/**
 * The settings page's style sheet (`GET /api/settings/app.css`). System fonts only (no external
 * fonts or CDNs); one column from 360 px up; colours keep WCAG AA contrast on white.
 */
export const SETTINGS_CSS = String.raw`
:root {
  --text: #1b1f24; --muted: #57606a; --line: #d0d7de; --bg: #f6f8fa; --panel: #fff;
  --accent: #0b5cad; --accent-text: #fff; --ok: #1a7f37; --ok-bg: #dafbe1; --bad: #b42318; --bad-bg: #fdecea;
  --warn: #7a4b00; --warn-bg: #fff4d6; --draft-bg: #eaeef2;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--text); background: var(--bg); line-height: 1.45;
}
* { box-sizing: border-box; }
body { margin: 0; }
main { max-width: 46rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.5rem; margin: 0; }
h2 { font-size: 1.15rem; margin: 0 0 .5rem; }
h3 { font-size: 1rem; margin: 0 0 .25rem; }
p { margin: .25rem 0; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .9em; overflow-wrap: anywhere; }
[hidden] { display: none !important; }

.org-banner { margin: 0 0 .35rem; padding: .5rem .75rem; border-left: 4px solid var(--accent); background: var(--panel); border-radius: 4px; overflow-wrap: anywhere; }
.org-label { color: var(--muted); }
.org-name { font-size: 1.15rem; }
.org-id { color: var(--muted); white-space: nowrap; }
.top { display: flex; flex-wrap: wrap; align-items: flex-end; justify-content: space-between; gap: .5rem 1rem; margin-bottom: 1rem; }
.sub { color: var(--muted); overflow-wrap: anywhere; }
.back { color: var(--accent); }

.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 1rem; margin-bottom: 1rem; }
.muted, .help, .optional, .detail { color: var(--muted); }
.detail { font-size: .875rem; overflow-wrap: anywhere; }
.help { font-size: .875rem; }
.hint { font-size: .95rem; }

.badge { display: inline-block; padding: .1rem .6rem; border-radius: 999px; font-weight: 600; font-size: .875rem; vertical-align: baseline; }
.badge-active { background: var(--ok-bg); color: var(--ok); }
.badge-needs_attention { background: var(--bad-bg); color: var(--bad); }
.badge-draft { background: var(--draft-bg); color: var(--text); }
.badge-none { background: var(--warn-bg); color: var(--warn); }
.senders { list-style: none; padding: 0; margin: 0; }
.senders li { display: flex; flex-wrap: wrap; gap: .25rem .6rem; align-items: baseline; padding: .3rem 0; overflow-wrap: anywhere; }
.status-line { display: flex; flex-wrap: wrap; gap: .25rem .5rem; align-items: baseline; }
.locked-note { background: var(--draft-bg); border-radius: 6px; padding: .5rem .75rem; margin: .5rem 0; }

.problem { border-left: 4px solid var(--bad); background: var(--bad-bg); border-radius: 6px; padding: .75rem 1rem; margin: .5rem 0; }
.problem.panel { border: 1px solid var(--bad); border-left-width: 4px; }
.message { border-radius: 6px; padding: .75rem 1rem; margin-bottom: 1rem; border-left: 4px solid var(--accent); background: #e8f1fb; }
.message.ok { border-left-color: var(--ok); background: var(--ok-bg); }
.message.error { border-left-color: var(--bad); background: var(--bad-bg); }
.message ul { margin: .25rem 0 0; padding-left: 1.25rem; }

fieldset { margin: 0; padding: 0; border: 0; min-width: 0; }
fieldset.group { margin-bottom: 1rem; }
legend { font-weight: 600; margin-bottom: .5rem; padding: 0; }
.choices { display: grid; gap: .5rem; }
@media (min-width: 560px) { .choices.two { grid-template-columns: 1fr 1fr; } }
.choice { display: flex; gap: .6rem; align-items: flex-start; border: 1px solid var(--line); border-radius: 8px; padding: .6rem .75rem; cursor: pointer; }
.choice:has(input:checked) { border-color: var(--accent); box-shadow: 0 0 0 1px var(--accent); }
.choice input { margin-top: .25rem; flex: none; }
.choice strong { display: block; }
.choice small { display: block; color: var(--muted); }
.tag { font-style: normal; font-weight: 600; font-size: .75rem; color: var(--ok); background: var(--ok-bg); border-radius: 4px; padding: 0 .35rem; margin-left: .25rem; }
.mode-panel { border-top: 1px solid var(--line); padding-top: .75rem; margin-bottom: .75rem; }

.field { margin-bottom: .9rem; }
.field > label { display: block; font-weight: 600; margin-bottom: .2rem; }
.field.check { display: grid; grid-template-columns: auto 1fr; gap: 0 .5rem; align-items: start; }
.field.check > label { font-weight: normal; margin: 0; }
.field.check .help { grid-column: 2; }
input:not([type=radio]):not([type=checkbox]) { width: 100%; font: inherit; padding: .5rem .6rem; border: 1px solid #8c959f; border-radius: 6px; background: #fff; color: var(--text); }
input[type=file] { padding: .35rem; }
input[aria-invalid=true] { border-color: var(--bad); box-shadow: 0 0 0 1px var(--bad); }
input:disabled { background: var(--bg); color: var(--muted); }
.field-error { color: var(--bad); font-size: .875rem; font-weight: 600; }
.saved { color: var(--ok); font-size: .875rem; }
.more { margin: .25rem 0 1rem; }
.more summary { cursor: pointer; color: var(--accent); margin-bottom: .5rem; }

.actions { display: flex; flex-wrap: wrap; gap: .5rem; margin-top: .5rem; }
button { font: inherit; font-weight: 600; border-radius: 6px; padding: .55rem 1rem; cursor: pointer; border: 1px solid transparent; min-height: 2.5rem; }
button.primary { background: var(--accent); color: var(--accent-text); }
button.secondary { background: #fff; color: var(--accent); border-color: var(--accent); }
button.danger { background: #fff; color: var(--bad); border-color: var(--bad); }
button:disabled { opacity: .5; cursor: not-allowed; }
button:focus-visible, input:focus-visible, summary:focus-visible, a:focus-visible { outline: 3px solid #79b8ff; outline-offset: 2px; }
@media (max-width: 420px) { .actions button { flex: 1 1 100%; } }

.checks { list-style: none; padding: 0; margin: 0; }
.checks li { overflow-wrap: anywhere; border: 1px solid var(--line); border-left-width: 4px; border-radius: 6px; padding: .5rem .75rem; margin-bottom: .5rem; }
.checks li.ok { border-left-color: var(--ok); }
.checks li.fail { border-left-color: var(--bad); background: var(--bad-bg); }
.checks li.skipped { border-left-color: var(--muted); background: var(--bg); }
.checks li.warn { border-left-color: var(--warn); background: var(--warn-bg); }
.verdict { font-weight: 600; }
.ok .verdict { color: var(--ok); }
.fail .verdict { color: var(--bad); }
.skipped .verdict { color: var(--muted); }
.warn .verdict { color: var(--warn); }

dialog { border: 1px solid var(--line); border-radius: 10px; padding: 1rem; width: min(28rem, calc(100vw - 2rem)); }
dialog p { margin-bottom: .75rem; }
dialog::backdrop { background: rgba(27, 31, 36, .45); }
main[aria-busy=true] .actions button { cursor: progress; }

.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
button.link { background: none; border: 0; padding: 0; min-height: 0; color: var(--accent); text-decoration: underline; font-weight: 700; }
.senders li.current button.link { color: var(--text); text-decoration: none; }
select { font: inherit; padding: .45rem .5rem; border: 1px solid #8c959f; border-radius: 6px; background: #fff; color: var(--text); max-width: 100%; }
.field > select { width: 100%; }
#add-sender summary { cursor: pointer; color: var(--accent); font-weight: 600; }
#add-sender[open] summary { margin-bottom: .5rem; }
.rules { width: 100%; border-collapse: collapse; margin: .5rem 0; }
.rules th { text-align: left; font-size: .875rem; color: var(--muted); padding: .25rem; }
.rules td { padding: .25rem; vertical-align: top; }
.rules td input, .rules td select { width: 100%; min-width: 0; }
.rules .order { white-space: nowrap; }
.rules .order button { min-height: 2.25rem; padding: .3rem .55rem; margin-right: .2rem; }
.rules tr.refused td { background: var(--bad-bg); }
.rules td.rule-error { color: var(--bad); font-weight: 600; font-size: .875rem; padding-top: 0; }
.row-actions { display: flex; flex-wrap: wrap; gap: .5rem; }
.connections li { border-bottom: 1px solid var(--line); }
.connections .badge-connecting { background: var(--draft-bg); color: var(--text); }
.connections button { margin-left: auto; min-height: 2.25rem; padding: .3rem .75rem; }
.explain { display: grid; gap: 0 .75rem; align-items: end; }
@media (min-width: 560px) { .explain { grid-template-columns: 1fr 1fr auto; } .explain button { margin-bottom: .9rem; } }
.explain-result { border-left: 4px solid var(--accent); background: #e8f1fb; border-radius: 6px; padding: .5rem .75rem; margin: .5rem 0; overflow-wrap: anywhere; }
.explain-result ul { margin: .25rem 0 0; padding-left: 1.25rem; }
/* A phone: each rule is a small card, its fields one under the other, each with its column name. */
@media (max-width: 559px) {
  .rules thead { display: none; }
  .rules, .rules tbody, .rules tr, .rules td { display: block; width: 100%; }
  .rules tr.rule { border: 1px solid var(--line); border-radius: 8px; padding: .25rem; margin-top: .5rem; }
  .rules td[data-label]::before { content: attr(data-label); display: block; font-size: .8rem; color: var(--muted); }
}
`;
