/**
 * The six-field NCRONTAB expressions of Azure Functions timer triggers
 * ("{second} {minute} {hour} {day} {month} {day-of-week}", UTC unless WEBSITE_TIME_ZONE is set):
 * https://learn.microsoft.com/azure/azure-functions/functions-bindings-timer#ncrontab-expressions
 * Supported: `*`, values, ranges `a-b`, steps `*\/n` and `a-b/n`, lists `a,b`, month and day names.
 * As in NCrontab, day-of-month AND day-of-week must both match (unlike Vixie cron's OR).
 */

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: string[];
}

const FIELDS: FieldSpec[] = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] },
  { name: 'day-of-week', min: 0, max: 6, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
];

function value(text: string, field: FieldSpec, expression: string): number {
  const named = field.names?.indexOf(text.toLowerCase().slice(0, 3)) ?? -1;
  const n = named >= 0 && /^[a-z]+$/i.test(text) ? named + field.min : /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(n >= field.min && n <= field.max)) throw new Error(`NCRONTAB "${expression}": bad ${field.name} "${text}"`);
  return n;
}

function parseField(text: string, field: FieldSpec, expression: string): Set<number> {
  const allowed = new Set<number>();
  for (const part of text.split(',')) {
    const [range, stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new Error(`NCRONTAB "${expression}": bad step in ${field.name} "${part}"`);
    let from: number;
    let to: number;
    if (range === '*') {
      [from, to] = [field.min, field.max];
    } else if (range.includes('-')) {
      const [a, b] = range.split('-');
      [from, to] = [value(a, field, expression), value(b, field, expression)];
    } else {
      from = value(range, field, expression);
      // "5/15" means from 5 every 15, to the end of the range.
      to = stepText === undefined ? from : field.max;
    }
    for (let n = from; n <= to; n += step) allowed.add(n);
  }
  return allowed;
}

export class NcrontabSchedule {
  private readonly fields: Set<number>[];

  constructor(readonly expression: string) {
    const parts = expression.trim().split(/\s+/);
    if (parts.length !== 6)
      throw new Error(`NCRONTAB "${expression}": expected 6 fields (second minute hour day month day-of-week), got ${parts.length}`);
    this.fields = parts.map((part, i) => parseField(part, FIELDS[i], expression));
  }

  /** The first occurrence strictly after `after` (UTC). */
  next(after: Date): Date {
    const [seconds, minutes, hours, days, months, weekdays] = this.fields;
    const d = new Date(Math.floor(after.getTime() / 1000) * 1000 + 1000);
    const limit = after.getTime() + 5 * 366 * 24 * 3600 * 1000;
    // Jump by the coarsest unit that does not match; each jump resets the finer units.
    while (d.getTime() <= limit) {
      if (!months.has(d.getUTCMonth() + 1)) {
        d.setUTCMonth(d.getUTCMonth() + 1, 1);
        d.setUTCHours(0, 0, 0, 0);
      } else if (!days.has(d.getUTCDate()) || !weekdays.has(d.getUTCDay())) {
        d.setUTCDate(d.getUTCDate() + 1);
        d.setUTCHours(0, 0, 0, 0);
      } else if (!hours.has(d.getUTCHours())) {
        d.setUTCHours(d.getUTCHours() + 1, 0, 0, 0);
      } else if (!minutes.has(d.getUTCMinutes())) {
        d.setUTCMinutes(d.getUTCMinutes() + 1, 0, 0);
      } else if (!seconds.has(d.getUTCSeconds())) {
        d.setUTCSeconds(d.getUTCSeconds() + 1, 0);
      } else {
        return d;
      }
    }
    throw new Error(`NCRONTAB "${this.expression}" never occurs`);
  }
}
