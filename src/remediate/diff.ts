type Scalar = string | number | boolean | null;

/**
 * A unified-diff style rendering of flat settings: `-` lines are what changes
 * from, `+` lines what it changes to, unchanged settings are shown for context.
 */
export function renderDiff(title: string, before: Record<string, Scalar>, after: Record<string, Scalar>): string {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  const lines = [`--- ${title} (now)`, `+++ ${title} (after fix)`];
  for (const key of keys) {
    const was = before[key];
    const will = after[key];
    if (was === will) {
      lines.push(`  ${key}: ${String(was)}`);
    } else {
      if (was !== undefined) lines.push(`- ${key}: ${String(was)}`);
      if (will !== undefined) lines.push(`+ ${key}: ${String(will)}`);
    }
  }
  return lines.join('\n');
}
