import { describe, expect, it } from 'vitest';
import { actionIds, buildFindingCard, limits } from '../../src/slack/cards.js';
import { makeFinding, makeTracked, makeTriage } from '../helpers/findings.js';

const diff = ['--- now', '+++ after', '- BlockPublicAcls: false', '+ BlockPublicAcls: true'].join('\n');

function allText(blocks: unknown): string {
  return JSON.stringify(blocks);
}

describe('finding card', () => {
  it('shows severity, due date, account, region, resource, control, criteria, the diff and three buttons', () => {
    const card = buildFindingCard(makeTracked(), { kind: 'open', diff, planError: null });
    const text = allText(card.blocks);
    for (const expected of ['Sev1', '111111111111', 'us-east-1', 'arn:aws:s3:::customer-exports', 'S3.8', 'CC6.1, CC6.6', '+ BlockPublicAcls: true']) {
      expect(text).toContain(expected);
    }
    expect(text).toMatch(/<!date\^1795248000\^/); // the due date as a Slack date token
    const actions = card.blocks.find((b) => b.type === 'actions');
    expect(actions && 'elements' in actions ? actions.elements.map((e) => 'action_id' in e && e.action_id) : []).toEqual([
      actionIds.approve,
      actionIds.exception,
      actionIds.escalate,
    ]);
  });

  it('drops the buttons once fixed and says who approved and what was verified', () => {
    const card = buildFindingCard(makeTracked(), {
      kind: 'fixed',
      by: { id: 'U0ANA', name: 'ana' },
      at: '2026-11-24T12:00:00.000Z',
      diff,
      verification: 'all four settings read back as true',
      undoable: false,
    });
    expect(card.blocks.some((b) => b.type === 'actions')).toBe(false);
    expect(allText(card.blocks)).toContain('<@U0ANA>');
    expect(allText(card.blocks)).toContain('Fixed.');
  });

  it('offers no Approve when there is no automatic fix', () => {
    const card = buildFindingCard(makeTracked({ triage: makeTriage({ remediation: null }) }), { kind: 'open', diff: null, planError: null });
    expect(allText(card.blocks)).not.toContain(actionIds.approve);
    expect(allText(card.blocks)).toContain('no automatic fix');
  });

  it('escapes AWS text so it cannot mention @channel or inject links', () => {
    const finding = makeFinding({ title: '<!channel> <https://evil.example|click>', resource: { type: 'AwsS3Bucket', id: 'b<!here>', region: 'us-east-1', tags: {} } });
    const card = buildFindingCard(makeTracked({ finding }), { kind: 'open', diff, planError: null });
    // Header text is plain_text (never parsed); everything Slack parses as mrkdwn must be escaped.
    const text = allText(card.blocks.filter((b) => b.type !== 'header')) + card.text;
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<!here>');
    expect(text).not.toContain('<https://evil');
  });

  it('cuts a 10,000-line diff with a note and stays within Block Kit limits', () => {
    const long = Array.from({ length: 10_000 }, (_, i) => `+ setting${i}: true`).join('\n');
    const card = buildFindingCard(makeTracked(), { kind: 'open', diff: long, planError: null });
    for (const block of card.blocks) {
      if (block.type === 'section' && block.text) expect(block.text.text.length).toBeLessThanOrEqual(limits.sectionText);
    }
    expect(allText(card.blocks)).toContain('full diff is kept in the evidence');
    expect(card.blocks.length).toBeLessThanOrEqual(limits.blocks);
    // Slack also refuses messages whose blocks add up to about 12,000 characters.
    expect(JSON.stringify(card.blocks).length).toBeLessThan(12_000);
  });
});
