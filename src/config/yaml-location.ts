import { type Document, isMap, isNode, isScalar, isSeq, type LineCounter } from 'yaml';

/**
 * The line of the node at `path` in a parsed YAML document, or of its deepest existing
 * ancestor when the path runs out (a missing key points at its parent). `at: 'key'` points at
 * the last segment's key instead of its value: where an unknown or malformed key is written.
 * Keys are compared as text, since YAML reads an unquoted 111111111111 as a number.
 */
export function lineAt(doc: Document, lineCounter: LineCounter, path: readonly PropertyKey[], at: 'key' | 'value' = 'value'): number | null {
  let node: unknown = doc.contents;
  let line = startLine(node, lineCounter);
  for (const [index, segment] of path.entries()) {
    const last = index === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((item) => String(isScalar(item.key) ? item.key.value : item.key) === String(segment));
      if (!pair) break;
      // An empty value (`key:` or `key: # comment`) has no position of its own: use its key's.
      line = startLine(pair.key, lineCounter) ?? line;
      node = last && at === 'key' ? pair.key : pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
    } else break;
    line = startLine(node, lineCounter) ?? line;
  }
  return line;
}

function startLine(node: unknown, lineCounter: LineCounter): number | null {
  if (!isNode(node) || !node.range) return null;
  return lineCounter.linePos(node.range[0]).line;
}
