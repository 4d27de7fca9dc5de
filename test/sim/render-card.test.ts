import { describe, expect, it } from 'vitest';
import type { KnownBlock } from '@slack/types';
import { renderBlocksAsText } from '../../src/sim/render-card.js';

describe('renderBlocksAsText', () => {
  it('renders a remediation card the way a person reads it', () => {
    const blocks: KnownBlock[] = [
      { type: 'header', text: { type: 'plain_text', text: 'S3.8: bucket allows public access' } },
      {
        type: 'section',
        text: { type: 'mrkdwn', text: '*open-bucket* in <https://console.aws.amazon.com/s3|us-east-1>, owner <@U0ALICE>' },
        fields: [
          { type: 'mrkdwn', text: '*Severity*\nHIGH' },
          { type: 'mrkdwn', text: '*Account*\n111122223333' },
        ],
      },
      { type: 'section', text: { type: 'mrkdwn', text: '```\n- BlockPublicAcls: false\n+ BlockPublicAcls: true\n```' } },
      { type: 'divider' },
      {
        type: 'actions',
        elements: [
          { type: 'button', action_id: 'approve', style: 'primary', text: { type: 'plain_text', text: 'Approve' }, value: 'f1' },
          { type: 'button', action_id: 'exception', text: { type: 'plain_text', text: 'Exception' }, value: 'f1' },
          { type: 'button', action_id: 'escalate', style: 'danger', text: { type: 'plain_text', text: 'Escalate' }, value: 'f1' },
        ],
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: 'soc2-bot' }, { type: 'plain_text', text: 'finding f1' }] },
    ];
    expect(renderBlocksAsText(blocks)).toBe(
      [
        '== S3.8: bucket allows public access ==',
        '*open-bucket* in us-east-1 (https://console.aws.amazon.com/s3), owner @U0ALICE',
        '  *Severity* HIGH',
        '  *Account* 111122223333',
        '```\n- BlockPublicAcls: false\n+ BlockPublicAcls: true\n```',
        '-'.repeat(48),
        '[ Approve ] [ Exception ] [ Escalate ]',
        '  soc2-bot  ·  finding f1',
      ].join('\n'),
    );
  });

  it('keeps rich-text code blocks fenced and survives malformed or unknown input', () => {
    const blocks: unknown[] = [
      {
        type: 'rich_text',
        elements: [
          { type: 'rich_text_section', elements: [{ type: 'text', text: 'Diff:' }] },
          { type: 'rich_text_preformatted', elements: [{ type: 'text', text: 'a\nb' }] },
        ],
      },
      { type: 'mystery_block' },
      'not a block',
      { type: 'section' },
    ];
    expect(renderBlocksAsText(blocks)).toBe(['Diff:', '```', 'a', 'b', '```', '[mystery_block block]', '[malformed block]'].join('\n'));
  });
});
