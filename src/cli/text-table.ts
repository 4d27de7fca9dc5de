import { safeText } from '../ingest/safe-text.js';

/** Widest a column may grow; longer cells are cut with "…" so one long ARN cannot push the rest off screen. */
const maxColumnWidth = 60;

/** Left-aligned columns separated by two spaces; the last column is not padded or cut short. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const all = [header, ...rows].map((row) => row.map((cell, i) => safeText(cell, i === row.length - 1 ? 200 : maxColumnWidth)));
  // reduce, not Math.max(...): spreading a very long list overflows the call stack.
  const widths = header.map((_, i) => all.reduce((widest, row) => Math.max(widest, (row[i] ?? '').length), 0));
  return all.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}
