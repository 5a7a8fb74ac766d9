/**
 * JSON Schema `pattern`s are ECMA-262 regular expressions WITHOUT flags
 * (https://json-schema.org/draft/2020-12/json-schema-validation#section-6.3.3), so zod's
 * toJSONSchema drops the `i` of a case-insensitive regex and the document would refuse what the
 * server accepts (`x-entity-ref-id` against `/^X-.../i`). This spells the other case out instead.
 */

/** Constructs whose letters are not literal text (named groups, \u \x \p \c escapes, backreferences by name). */
const UNSUPPORTED = /\(\?<|\\[uxpPck]/;

const other = (c: string) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase());
const isLetter = (c: string | undefined) => c !== undefined && /^[A-Za-z]$/.test(c);

/** Adds the other case of every letter and letter range in a character class body (`A-Za-z0-9-`). */
function classBody(body: string): string {
  const extra: string[] = [];
  for (let i = 0; i < body.length; i++) {
    if (body[i] === '\\') {
      i++;
      continue;
    }
    if (isLetter(body[i]) && body[i + 1] === '-' && isLetter(body[i + 2])) {
      extra.push(`${other(body[i])}-${other(body[i + 2])}`);
      i += 2;
    } else if (isLetter(body[i])) {
      extra.push(other(body[i]));
    }
  }
  return body + extra.join('');
}

/** The source of a case-sensitive regex matching what `source` matches ignoring case; undefined when unsure. */
export function caseInsensitiveSource(source: string): string | undefined {
  if (UNSUPPORTED.test(source)) return undefined;
  let out = '';
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      out += c + source[++i];
    } else if (c === '[') {
      const end = source.indexOf(']', source[i + 1] === ']' ? i + 2 : i + 1);
      if (end < 0 || source.slice(i, end).includes('\\]')) return undefined;
      const negated = source[i + 1] === '^';
      out += `[${negated ? '^' : ''}${classBody(source.slice(i + (negated ? 2 : 1), end))}]`;
      i = end;
    } else {
      out += isLetter(c) ? `[${c}${other(c)}]` : c;
    }
  }
  return out;
}
