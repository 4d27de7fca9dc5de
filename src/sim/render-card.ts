/**
 * Plain-text rendering of Block Kit blocks, so the offline demo can show what a person
 * would see in Slack. Input is untrusted JSON (what the bot actually sent), so every
 * shape is checked rather than cast; block and element type names come from
 * @slack/types so a misspelt case fails to compile.
 */
import type { ActionsBlockElement, KnownBlock } from '@slack/types';

type BlockType = KnownBlock['type'];
type Json = Record<string, unknown>;
type Renderer = (block: Json) => string[];

const RULE = '-'.repeat(48);

export function renderBlocksAsText(blocks: readonly unknown[]): string {
  const lines: string[] = [];
  for (const block of blocks) {
    if (!isRecord(block) || typeof block['type'] !== 'string') {
      lines.push('[malformed block]');
      continue;
    }
    const type = block['type'];
    const render = hasKey(RENDERERS, type) ? RENDERERS[type] : undefined;
    lines.push(...(render ? render(block) : [`[${block['type']} block]`]));
  }
  return lines.join('\n');
}

const RENDERERS: Partial<Record<BlockType, Renderer>> = {
  header: (b) => [`== ${textOf(b['text'])} ==`],
  divider: () => [RULE],
  section: (b) => {
    const lines = b['text'] === undefined ? [] : [textOf(b['text'])];
    for (const field of arrayOf(b['fields'])) lines.push(`  ${textOf(field).replace(/\n/g, ' ')}`);
    const accessory = b['accessory'];
    if (isRecord(accessory)) lines.push(`  ${elementOf(accessory)}`);
    return lines;
  },
  context: (b) => [`  ${arrayOf(b['elements']).map(contextElementOf).join('  ·  ')}`],
  actions: (b) => [arrayOf(b['elements']).map((e) => (isRecord(e) ? elementOf(e) : '[?]')).join(' ')],
  markdown: (b) => [stringOf(b['text'])],
  image: (b) => [`[image: ${stringOf(b['alt_text']) || stringOf(b['image_url'])}]`],
  input: (b) => [`${textOf(b['label'])}: [ ${isRecord(b['element']) ? stringOf(b['element']['type']) : ''} ]`],
  rich_text: (b) => arrayOf(b['elements']).flatMap(richTextElementOf),
};

// ---- text objects and elements ---------------------------------------------------

/** A plain_text or mrkdwn object's text, with Slack's <...> link syntax made readable. */
function textOf(value: unknown): string {
  if (!isRecord(value)) return '';
  const text = stringOf(value['text']);
  return value['type'] === 'mrkdwn' ? readableMrkdwn(text) : text;
}

function readableMrkdwn(text: string): string {
  return text.replace(/<([^<>|]+)(?:\|([^<>]+))?>/g, (_match, target: string, label: string | undefined) => {
    if (target.startsWith('@') || target.startsWith('#')) return label ? `${target[0]}${label}` : target;
    if (target.startsWith('!date^')) return label ?? target;
    if (target.startsWith('!')) return `@${label ?? target.slice(1)}`;
    return label ? `${label} (${target})` : target;
  });
}

type ElementType = ActionsBlockElement['type'];

function elementOf(element: Json): string {
  const type = stringOf(element['type']);
  const label = textOf(element['text']) || textOf(element['placeholder']);
  const known: Partial<Record<ElementType | 'image', () => string>> = {
    button: () => `[ ${label} ]`,
    workflow_button: () => `[ ${label} ]`,
    static_select: () => `[ ${label || 'Select'} v ]`,
    external_select: () => `[ ${label || 'Select'} v ]`,
    users_select: () => `[ ${label || 'Select a user'} v ]`,
    conversations_select: () => `[ ${label || 'Select a conversation'} v ]`,
    channels_select: () => `[ ${label || 'Select a channel'} v ]`,
    overflow: () => '[ ... ]',
    datepicker: () => `[ date: ${stringOf(element['initial_date']) || 'pick'} ]`,
    timepicker: () => `[ time: ${stringOf(element['initial_time']) || 'pick'} ]`,
    image: () => `[image: ${stringOf(element['alt_text'])}]`,
  };
  const render = hasKey(known, type) ? known[type] : undefined;
  return render ? render() : `[ ${label || type} ]`;
}

function contextElementOf(element: unknown): string {
  if (!isRecord(element)) return '';
  return element['type'] === 'image' ? `[image: ${stringOf(element['alt_text'])}]` : textOf(element);
}

/** Rich text: sections become lines, preformatted stays fenced, lists get bullets. */
function richTextElementOf(element: unknown): string[] {
  if (!isRecord(element)) return [];
  const type = stringOf(element['type']);
  const inline = arrayOf(element['elements']).map(inlineOf).join('');
  switch (type) {
    case 'rich_text_preformatted':
      return ['```', ...inline.split('\n'), '```'];
    case 'rich_text_quote':
      return inline.split('\n').map((line) => `> ${line}`);
    case 'rich_text_list':
      return arrayOf(element['elements']).map((item) => `  • ${isRecord(item) ? arrayOf(item['elements']).map(inlineOf).join('') : ''}`);
    default:
      return inline.split('\n');
  }
}

function inlineOf(element: unknown): string {
  if (!isRecord(element)) return '';
  switch (element['type']) {
    case 'text':
      return stringOf(element['text']);
    case 'link':
      return element['text'] ? `${stringOf(element['text'])} (${stringOf(element['url'])})` : stringOf(element['url']);
    case 'user':
      return `@${stringOf(element['user_id'])}`;
    case 'channel':
      return `#${stringOf(element['channel_id'])}`;
    case 'emoji':
      return `:${stringOf(element['name'])}:`;
    default:
      return '';
  }
}

// ---- shape checks ---------------------------------------------------------------

function hasKey<T extends object>(record: T, key: PropertyKey): key is keyof T {
  return Object.hasOwn(record, key);
}

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function arrayOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function stringOf(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
