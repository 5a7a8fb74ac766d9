/**
 * The reference tables in docs/reference/ are what `npm run docs` renders from the code (settings,
 * error codes with their runbook, routes), so a setting, code or route added without regenerating
 * fails here, naming the file.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import '../../functions/index';
import { listFunctions } from '../../functions/registry';
import { generatedDocs, settingsDoc } from '../../dev/docs/render';
import { SETTINGS } from '@shared/settings';

const root = join(__dirname, '..', '..');
const onDisk = (path: string) => readFileSync(join(root, path), 'utf8');

describe('generated reference docs', () => {
  it.each(generatedDocs(listFunctions()).map((doc) => [doc.path, doc] as const))(
    '%s is up to date (else run npm run docs)',
    (_path, doc) => {
      expect(onDisk(doc.path)).toBe(doc.text);
    },
  );

  it('a setting added to SETTINGS without regenerating makes the settings table out of date', () => {
    const added = [...SETTINGS, { name: 'NEW_SETTING', meaning: 'A new knob.', expected: 'a whole number', default: '1' }];
    const doc = settingsDoc(added);
    expect(doc.text).toContain('| `NEW_SETTING` | A new knob. | a whole number | `1` |');
    expect(onDisk(doc.path)).not.toBe(doc.text);
  });

  it('every generated file says it is generated and how to regenerate it', () => {
    for (const doc of generatedDocs(listFunctions())) expect(doc.text.split('\n')[2]).toMatch(/^Generated from .* by `npm run docs`/);
  });
});
