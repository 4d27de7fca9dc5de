/**
 * HTML built only through the `html` tag: every interpolated value is escaped unless it is
 * itself SafeHtml, so a finding title or Slack name from outside can never become markup.
 */
export class SafeHtml {
  constructor(readonly text: string) {}
}

export type HtmlValue = SafeHtml | string | number | null | undefined | readonly HtmlValue[];

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function render(value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.text;
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return value.map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  return new SafeHtml(strings.reduce((out, part, i) => out + part + (i < values.length ? render(values[i]) : ''), ''));
}
