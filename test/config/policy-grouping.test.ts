import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultPolicy, parsePolicy, PolicyFileError } from '../../src/config/policy.js';

function problems(text: string): string[] {
  try {
    parsePolicy(text, 'policy.yml');
  } catch (error) {
    if (error instanceof PolicyFileError) return error.problems;
    throw error;
  }
  return [];
}

describe('policy: grouping', () => {
  it('groups 5 or more by default', () => {
    expect(defaultPolicy.grouping).toEqual({ minFindings: 5 });
    expect(parsePolicy('fallbackChannel: C0SEC\n').grouping).toEqual({ minFindings: 5 });
  });

  it('reads minFindings, as the example file sets it', () => {
    expect(parsePolicy('grouping: { minFindings: 12 }\n').grouping).toEqual({ minFindings: 12 });
    expect(parsePolicy(readFileSync('config/policy.example.yml', 'utf8')).grouping).toEqual({ minFindings: 5 });
  });

  it('rejects a group of one, a fraction and unknown keys, naming the line', () => {
    expect(problems('grouping: { minFindings: 1 }\n')).toEqual(['line 1: grouping.minFindings: a group needs at least 2 findings']);
    expect(problems('\ngrouping: { minFindings: 2.5 }\n')[0]).toMatch(/^line 2: grouping\.minFindings: /);
    expect(problems('grouping: { min: 3 }\n')).toEqual(['line 1: grouping: unknown key min']);
  });
});
