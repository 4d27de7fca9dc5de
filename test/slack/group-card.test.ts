import { describe, expect, it } from 'vitest';
import type { FindingStatus } from '../../src/evidence/findings-repo.js';
import { actionIds, limits } from '../../src/slack/cards.js';
import { buildGroupCard, groupProgress, progressText, type GroupMember } from '../../src/slack/group-card.js';
import { makeFinding, makeTracked } from '../helpers/findings.js';

const diff = '  Configured: false\n- BlockPublicAcls: false\n+ BlockPublicAcls: true';

function members(count: number, status: (i: number) => FindingStatus = () => 'open', name = (i: number) => `bucket-${String(i).padStart(3, '0')}`): GroupMember[] {
  return Array.from({ length: count }, (_, i) => {
    const finding = makeFinding({ id: `finding-${i}`, resource: { type: 'AwsS3Bucket', id: `arn:aws:s3:::${name(i)}`, region: 'us-east-1', tags: {} } });
    const tracked = makeTracked({ finding, status: status(i), card: null });
    return { tracked, failure: tracked.status === 'fix_failed' ? 'AccessDenied on s3:PutBucketPublicAccessBlock' : null, ownCard: false };
  });
}

const card = (list: GroupMember[], extra: Partial<Parameters<typeof buildGroupCard>[0]> = {}) =>
  buildGroupCard({ id: 'group-1', remediation: 's3-block-public-access', diff, members: list, approved: null, split: null, ...extra });

function buttons(built: ReturnType<typeof buildGroupCard>): { action_id: string; text: string; value: string }[] {
  return built.blocks.flatMap((b) => (b.type === 'actions' ? b.elements.map((e) => ({ action_id: (e as { action_id: string }).action_id, text: (e as { text: { text: string } }).text.text, value: (e as { value: string }).value })) : []));
}

function sectionTexts(built: ReturnType<typeof buildGroupCard>): string[] {
  return built.blocks.flatMap((b) => (b.type === 'section' && b.text ? [b.text.text] : []));
}

describe('buildGroupCard', () => {
  it('shows the count, every resource, one example diff, the same-change line and Approve all N', () => {
    const built = card(members(40));
    const text = JSON.stringify(built.blocks);
    expect(text).toContain('(40 resources)');
    expect(text).toContain('arn:aws:s3:::bucket-000');
    expect(text).toContain('arn:aws:s3:::bucket-039');
    expect(text).toContain('+ BlockPublicAcls: true');
    expect(text).toContain('Each of the 40 resources gets this same change');
    expect(text).toContain('Exception or Escalate is decided per resource');
    expect(buttons(built)).toEqual([
      { action_id: actionIds.approveGroup, text: 'Approve all 40', value: 'group-1' },
      { action_id: actionIds.splitGroup, text: 'One card each', value: 'group-1' },
    ]);
    // The per-finding buttons never appear: their values would name findings, not the group.
    expect(text).not.toContain(actionIds.approve + '"');
    expect(text).not.toContain(actionIds.exception);
  });

  it('stays within Block Kit limits for 500 long resource names, cutting the list with "+N more"', () => {
    const built = card(members(500, () => 'open', (i) => `team-data-lake-${'x'.repeat(120)}-${i}`));
    expect(built.blocks.length).toBeLessThanOrEqual(limits.blocks);
    for (const text of sectionTexts(built)) expect(text.length).toBeLessThanOrEqual(limits.sectionText);
    const list = sectionTexts(built).find((t) => t.startsWith('*Resources* (500)'))!;
    const shown = list.split('\n').filter((l) => l.startsWith('• ')).length;
    expect(list).toContain(`… +${500 - shown} more`);
    expect(shown).toBeGreaterThan(5);
  });

  it('shows progress and offers only what still makes sense', () => {
    const status = (i: number): FindingStatus => (i < 38 ? 'fixed' : i === 38 ? 'fix_failed' : 'open');
    const built = card(members(40, status), { approved: { by: { id: 'U0ANA00001', name: 'ana' }, at: '2026-11-25T10:00:00.000Z' } });
    const text = sectionTexts(built).join('\n');
    expect(text).toContain('Approved by <@U0ANA00001>');
    expect(text).toContain('*38 of 40 fixed*, 1 not approved yet, 1 failed: `arn:aws:s3:::bucket-038`: AccessDenied on s3:PutBucketPublicAccessBlock');
    expect(buttons(built).map((b) => b.text)).toEqual(['Approve remaining 2', 'One card each']);
    expect(buttons(card(members(3, () => 'fixed')))).toEqual([]);
  });

  it('asks for the second approval when four-eyes holds every member', () => {
    expect(buttons(card(members(6, () => 'awaiting_second'))).map((b) => b.text)).toEqual(['Approve all 6 (2 of 2)']);
  });

  it('after a split, lists moved members and offers no second split', () => {
    const list = members(6, (i) => (i < 2 ? 'fixed' : 'open')).map((m, i) => ({ ...m, ownCard: i >= 2 }));
    const built = card(list, { split: { at: '2026-11-25T11:00:00.000Z' } });
    expect(sectionTexts(built).join('\n')).toContain('*2 of 6 fixed*, 4 moved to cards of their own');
    expect(buttons(built)).toEqual([]);
  });
});

describe('groupProgress and progressText', () => {
  it('says nothing before anyone approved', () => {
    expect(progressText(groupProgress(members(5)))).toBeNull();
  });

  it('counts failures with their reasons and points to the evidence for more than one', () => {
    const progress = groupProgress(members(5, (i) => (i < 3 ? 'fix_failed' : 'fixing')));
    expect(progress.failed).toHaveLength(3);
    expect(progressText(progress)).toBe(
      '*0 of 5 fixed*, 2 being fixed, 3 failed: `arn:aws:s3:::bucket-000`: AccessDenied on s3:PutBucketPublicAccessBlock (and 2 more; each finding\'s evidence has its reason)',
    );
  });
});
