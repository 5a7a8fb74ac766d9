/**
 * The routing rules as a small table (category / workspace / sender; add, remove, move up and
 * down; "Save rules" is one PUT manage/routing) and the "explain" box (POST manage/routing/explain:
 * which sender a message would use and why, with the senders passed over). A refused rule (422)
 * shows the API's reason in plain words on its own row.
 */
import { api, ApiError } from './api';
import { $, sentence, text, value } from './dom';
import { HOP_STATUS, PROVIDER_LABELS } from './labels';
import { state } from './state';
import type { RouteExplanation, RoutingRule, RuleRow } from './types';

const COLUMNS: Record<string, string> = { category: 'Category', workspace: 'Workspace', sender: 'Sender' };

function toRow(rule: RoutingRule): RuleRow {
  const category = rule.match.category;
  return {
    category: typeof category === 'string' ? category : (category || []).join(', '),
    workspace: rule.match.workspace || '',
    sender: rule.sender,
  };
}

/** The PUT body of one row: one category as a string, several as a list, empty fields left out. */
function toRule(row: RuleRow): RoutingRule {
  const categories = row.category
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);
  const match: RoutingRule['match'] = {};
  if (categories.length) match.category = categories.length === 1 ? categories[0] : categories;
  if (row.workspace.trim()) match.workspace = row.workspace.trim();
  return { match, sender: row.sender };
}

function button(label: string, aria: string, disabled: boolean, onClick: () => void): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'secondary';
  b.textContent = label;
  b.setAttribute('aria-label', aria);
  b.disabled = disabled;
  b.addEventListener('click', onClick);
  return b;
}

function cell(tr: HTMLTableRowElement, label?: string): HTMLTableCellElement {
  const td = tr.appendChild(document.createElement('td'));
  if (label) td.setAttribute('data-label', label);
  return td;
}

function move(from: number, to: number): void {
  const [row] = state.rules.splice(from, 1);
  state.rules.splice(to, 0, row);
  renderRules();
}

/** Draws the table from state.rules; `errors` are the plain-words reasons by row index. */
export function renderRules(errors: Record<number, string[]> = {}): void {
  const body = $('rules-body');
  body.textContent = '';
  const keys = state.listed.map((s) => s.senderKey);
  state.rules.forEach((row, i) => {
    const n = i + 1;
    const tr = body.appendChild(document.createElement('tr'));
    tr.className = 'rule' + (errors[i] ? ' refused' : '');
    cell(tr, 'Rule').textContent = String(n);
    (['category', 'workspace'] as const).forEach((field) => {
      const input = cell(tr, COLUMNS[field]).appendChild(document.createElement('input'));
      input.value = row[field];
      input.autocomplete = 'off';
      input.spellcheck = false;
      input.setAttribute('aria-label', COLUMNS[field] + ' of rule ' + n);
      input.addEventListener('input', () => {
        row[field] = input.value;
      });
    });
    const select = cell(tr, COLUMNS.sender).appendChild(document.createElement('select'));
    select.setAttribute('aria-label', 'Sender of rule ' + n);
    (keys.indexOf(row.sender) < 0 ? keys.concat(row.sender) : keys).forEach((key) =>
      select.appendChild(new Option(key, key, false, key === row.sender)),
    );
    select.addEventListener('change', () => {
      row.sender = select.value;
    });
    const order = cell(tr);
    order.className = 'order';
    order.appendChild(button('↑', 'Move rule ' + n + ' up', i === 0, () => move(i, i - 1)));
    order.appendChild(button('↓', 'Move rule ' + n + ' down', i === state.rules.length - 1, () => move(i, i + 1)));
    order.appendChild(
      button('✕', 'Remove rule ' + n, false, () => {
        state.rules.splice(i, 1);
        renderRules();
      }),
    );
    if (errors[i]) {
      const tr2 = body.appendChild(document.createElement('tr'));
      const td = cell(tr2);
      td.colSpan = 5;
      td.className = 'rule-error';
      td.id = 'rule-' + n + '-error';
      td.setAttribute('role', 'alert');
      td.textContent = errors[i].join(' ');
      tr.querySelectorAll('input, select').forEach((field) => {
        field.setAttribute('aria-invalid', 'true');
        field.setAttribute('aria-describedby', td.id);
      });
    }
  });
  $('rules').hidden = !state.rules.length;
  $('rules-empty').hidden = !!state.rules.length;
}

export async function loadRouting(): Promise<void> {
  state.rules = (await api<{ rules: RoutingRule[] }>('GET', 'routing')).rules.map(toRow);
  renderRules();
}

/** `rules.2.match.category.1` -> row 2, "Category: ..."; anything else is said under the table. */
function rowErrors(fields: Record<string, string>): { rows: Record<number, string[]>; rest: string[] } {
  const rows: Record<number, string[]> = {};
  const rest: string[] = [];
  Object.keys(fields).forEach((path) => {
    const m = /^rules\.(\d+)\.(?:match\.)?(\w+)/.exec(path);
    if (!m || !state.rules[Number(m[1])]) {
      rest.push(sentence(fields[path]));
      return;
    }
    (rows[Number(m[1])] ||= []).push((COLUMNS[m[2]] || sentence(m[2])) + ': ' + fields[path] + '.');
  });
  return { rows, rest };
}

async function saveRules(): Promise<void> {
  const box = $('rules-message');
  box.className = '';
  try {
    const saved = await api<{ rules: RoutingRule[] }>('PUT', 'routing', { rules: state.rules.map(toRule) });
    state.rules = saved.rules.map(toRow);
    renderRules();
    box.className = 'saved';
    text(
      'rules-message',
      saved.rules.length
        ? 'Saved ' + saved.rules.length + (saved.rules.length === 1 ? ' rule.' : ' rules.')
        : 'Saved: no rules, every message goes out from default.',
    );
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    const { rows, rest } = rowErrors(error.fields || {});
    renderRules(rows);
    box.className = 'field-error';
    const count = Object.keys(rows).length;
    text(
      'rules-message',
      'The rules were not saved' +
        (count ? ': see the marked ' + (count === 1 ? 'rule' : 'rules') + '. ' : '. ') +
        (rest.length ? rest.join(' ') : count ? '' : error.message),
    );
  }
}

function senderWords(answer: RouteExplanation): string {
  const name = answer.sender === '_platform' ? "the platform's default sender" : answer.sender;
  return name + ' (' + answer.senderEmail + ', ' + (PROVIDER_LABELS[answer.provider] || answer.provider) + ')';
}

async function explain(): Promise<void> {
  ['category', 'workspace'].forEach((field) => {
    $('explain-' + field + '-error').hidden = true;
  });
  const body: { category?: string; workspace?: string } = {};
  if (value('explain-category')) body.category = value('explain-category');
  if (value('explain-workspace')) body.workspace = value('explain-workspace');
  try {
    const answer = await api<RouteExplanation>('POST', 'routing/explain', body);
    text('explain-sender', senderWords(answer));
    text('explain-reason', sentence(answer.reason) + '.');
    const hops = $('explain-hops');
    hops.textContent = '';
    answer.hops.forEach((hop) => {
      const li = hops.appendChild(document.createElement('li'));
      li.textContent = 'Passed over ' + hop.sender + ': ' + (HOP_STATUS[hop.status] || hop.status) + ' (' + hop.reason + ')';
    });
    $('explain-result').hidden = false;
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    $('explain-result').hidden = true;
    const fields = error.fields || {};
    const placed = Object.keys(fields).filter((f) => f === 'category' || f === 'workspace');
    placed.forEach((f) => {
      text('explain-' + f + '-error', sentence(fields[f]));
      $('explain-' + f + '-error').hidden = false;
    });
    if (!placed.length) {
      text('explain-category-error', error.message);
      $('explain-category-error').hidden = false;
    }
  }
}

export function wireRouting(): void {
  $('add-rule-button').addEventListener('click', () => {
    const other = state.listed.map((s) => s.senderKey).filter((key) => key !== 'default')[0];
    state.rules.push({ category: '', workspace: '', sender: other || 'default' });
    renderRules();
    const inputs = $('rules-body').querySelectorAll<HTMLInputElement>('tr.rule:last-child input');
    if (inputs[0]) inputs[0].focus();
  });
  $('save-rules-button').addEventListener('click', () => void saveRules());
  $('explain-button').addEventListener('click', () => void explain());
}
