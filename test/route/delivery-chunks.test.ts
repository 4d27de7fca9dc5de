import { describe, expect, it } from 'vitest';
import { deliveryChunks } from '../../src/route/deliver-cards.js';

const row = (id: string, account: string, remediation: string | null = 's3-block-public-access', channel = 'C1') => ({ id, account, remediation, channel });

describe('delivery chunks', () => {
  it('cuts about every 200 findings, only where account, fix or channel changes', () => {
    const waiting = [
      ...Array.from({ length: 150 }, (_, i) => row(`a${i}`, '111111111111')),
      ...Array.from({ length: 120 }, (_, i) => row(`b${i}`, '222222222222')),
      ...Array.from({ length: 300 }, (_, i) => row(`c${i}`, '222222222222', null)),
      row('d0', '333333333333'),
    ];
    const chunks = deliveryChunks(waiting);
    // 150 + 120 = 270 (the 200th is mid-way through account 2's S3 fixes, so the cut waits for the key to change).
    expect(chunks.map((c) => c.length)).toEqual([270, 300, 1]);
    expect(chunks.flat()).toEqual(waiting.map((w) => w.id));
  });

  it('keeps one large group in one chunk, and gives nothing for nothing', () => {
    const waiting = Array.from({ length: 1000 }, (_, i) => row(`g${i}`, '111111111111'));
    expect(deliveryChunks(waiting)).toEqual([waiting.map((w) => w.id)]);
    expect(deliveryChunks([])).toEqual([]);
  });
});
