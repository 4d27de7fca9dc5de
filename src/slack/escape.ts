/**
 * Escapes text that comes from AWS or users before it goes into mrkdwn, so a tag
 * value cannot mention @channel (`<!channel>`), link (`<http://…|…>`) or break out of formatting.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Inside a code span backticks would end the span; swap them for a look-alike. */
export function codeSpan(text: string): string {
  return '`' + escapeMrkdwn(text).replace(/`/g, 'ˋ') + '`';
}

/** Cuts to at most `max` characters, marking the cut. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
