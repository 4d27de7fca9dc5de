/**
 * Where JSON text first goes wrong, as line and column. V8's JSON.parse messages give a
 * position for some errors and none for others ("Unexpected token ..."), so this scans the
 * text itself. Iterative (an explicit stack), so deep nesting cannot overflow the call stack.
 */
export interface TextPosition {
  offset: number;
  line: number;
  column: number;
}

type Expect = 'value' | 'valueOrEnd' | 'key' | 'keyOrEnd' | 'colon' | 'commaOrEnd' | 'end';

const numberPattern = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

export function jsonErrorPosition(text: string): TextPosition | null {
  const offset = firstErrorOffset(text);
  return offset === null ? null : positionOf(text, offset);
}

export function positionOf(text: string, offset: number): TextPosition {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { offset, line, column: offset - lineStart + 1 };
}

function firstErrorOffset(text: string): number | null {
  const stack: string[] = [];
  let expect: Expect = 'value';
  let i = 0;
  const afterValue = (): Expect => (stack.length === 0 ? 'end' : 'commaOrEnd');
  for (;;) {
    while (i < text.length && ' \t\n\r'.includes(text.charAt(i))) i++;
    if (i >= text.length) return expect === 'end' ? null : i;
    const c = text.charAt(i);
    switch (expect) {
      case 'end':
        return i;
      case 'colon':
        if (c !== ':') return i;
        i++;
        expect = 'value';
        break;
      case 'commaOrEnd': {
        const top = stack[stack.length - 1];
        if (c === ',') {
          i++;
          expect = top === '{' ? 'key' : 'value';
        } else if ((c === '}' && top === '{') || (c === ']' && top === '[')) {
          i++;
          stack.pop();
          expect = afterValue();
        } else return i;
        break;
      }
      case 'key':
      case 'keyOrEnd':
        if (c === '}' && expect === 'keyOrEnd') {
          i++;
          stack.pop();
          expect = afterValue();
          break;
        }
        if (c !== '"') return i;
        i = scanString(text, i);
        if (i < 0) return -i - 1;
        expect = 'colon';
        break;
      case 'value':
      case 'valueOrEnd':
        if (c === ']' && expect === 'valueOrEnd') {
          i++;
          stack.pop();
          expect = afterValue();
        } else if (c === '{' || c === '[') {
          i++;
          stack.push(c);
          expect = c === '{' ? 'keyOrEnd' : 'valueOrEnd';
        } else if (c === '"') {
          i = scanString(text, i);
          if (i < 0) return -i - 1;
          expect = afterValue();
        } else {
          const end = scanScalar(text, i);
          if (end === i) return i;
          i = end;
          expect = afterValue();
        }
        break;
    }
  }
}

/** Index after the closing quote, or -(errorOffset + 1). */
function scanString(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code === 34) return i + 1;
    if (code < 0x20) return -i - 1;
    if (code === 92) {
      const next = text.charAt(i + 1);
      if (next === 'u') {
        if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return -i - 1;
        i += 6;
      } else if ('"\\/bfnrt'.includes(next) && next !== '') i += 2;
      else return -i - 1;
    } else i++;
  }
  return -text.length - 1;
}

function scanScalar(text: string, start: number): number {
  for (const literal of ['true', 'false', 'null']) {
    if (text.startsWith(literal, start)) return start + literal.length;
  }
  numberPattern.lastIndex = start;
  return numberPattern.test(text) ? numberPattern.lastIndex : start;
}
