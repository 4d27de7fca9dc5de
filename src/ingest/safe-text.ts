/**
 * Input-derived text that ends up in error messages and terminal output: control
 * characters (which could drive a terminal) become "?", and length is capped.
 */
export function safeText(value: string, max = 80): string {
  // Only the head can be shown: cleaning all of a 1 MB value to print 80 characters is waste.
  const head = value.length > 4 * max ? value.slice(0, 4 * max) : value;
  // eslint-disable-next-line no-control-regex
  const clean = head.replace(/[\t\n\r]+/g, ' ').replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '?');
  return clean.length > max || head !== value ? `${clean.slice(0, max - 1)}…` : clean;
}

/** A field path such as `detail.findings[0].ProductFields["aws/securityhub/SeverityLabel"]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    // Keys come from the input too: a 1 MB key is shortened like any other text.
    else if (typeof part === 'string' && /^[A-Za-z_$][\w$-]*$/.test(part)) out += out === '' ? safeText(part, 60) : `.${safeText(part, 60)}`;
    else out += `[${JSON.stringify(safeText(String(part), 60))}]`;
  }
  return out === '' ? '(top level)' : out;
}

/** Prefixes a message with where in the input it applies; the top level needs no prefix. */
export function located(at: readonly PropertyKey[], message: string): string {
  return at.length === 0 ? message : `${formatPath(at)}: ${message}`;
}
