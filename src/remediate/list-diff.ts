/**
 * A unified-diff style rendering of a list (security-group rules, policy statements,
 * attached policies ...): items only in `before` are `-` lines, items only in `after`
 * are `+` lines, items in both are shown with two spaces for context. Items compare by
 * their text (as a multiset, so repeated items pair up one for one). Kept and removed
 * items stay in `before` order; added items follow in `after` order.
 */
export function renderListDiff(title: string, before: readonly string[], after: readonly string[]): string {
  const unmatched = new Map<string, number>();
  for (const item of after) unmatched.set(item, (unmatched.get(item) ?? 0) + 1);
  const lines = [`--- ${title} (now)`, `+++ ${title} (after fix)`];
  for (const item of before) {
    const left = unmatched.get(item) ?? 0;
    if (left > 0) {
      unmatched.set(item, left - 1);
      lines.push(`  ${item}`);
    } else {
      lines.push(`- ${item}`);
    }
  }
  for (const item of after) {
    const left = unmatched.get(item) ?? 0;
    if (left === 0) continue;
    unmatched.set(item, left - 1);
    lines.push(`+ ${item}`);
  }
  return lines.join('\n');
}
