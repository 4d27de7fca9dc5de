import { describe, expect, it } from 'vitest';
import { parseSoc2Command } from '../../../src/slack/commands/parse-soc2-command.js';

const teams = { platform: 'C0PLATFORM01', 'Data-Eng': 'C0DATA00001' };

describe('parseSoc2Command', () => {
  it('reads each subcommand, ignoring case and extra spaces', () => {
    expect(parseSoc2Command('  STATUS  ', teams)).toEqual({ kind: 'status', scope: { kind: 'all' } });
    expect(parseSoc2Command('exceptions', teams)).toEqual({ kind: 'exceptions' });
    expect(parseSoc2Command('Scan', teams)).toEqual({ kind: 'scan' });
    expect(parseSoc2Command('help', teams)).toEqual({ kind: 'help', problem: null });
  });

  it('answers empty text with help and no complaint', () => {
    expect(parseSoc2Command('', teams)).toEqual({ kind: 'help', problem: null });
    expect(parseSoc2Command(' \u00a0\t', teams)).toEqual({ kind: 'help', problem: null });
  });

  it('reads status filters: severity, account id, team (exact, then unique case-insensitive)', () => {
    expect(parseSoc2Command('status SEV1', teams)).toEqual({ kind: 'status', scope: { kind: 'severity', severity: 'sev1' } });
    expect(parseSoc2Command('status sev3', teams)).toEqual({ kind: 'status', scope: { kind: 'severity', severity: 'sev3' } });
    expect(parseSoc2Command('status 111111111111', teams)).toEqual({ kind: 'status', scope: { kind: 'account', account: '111111111111' } });
    expect(parseSoc2Command('status platform', teams)).toEqual({
      kind: 'status',
      scope: { kind: 'team', team: 'platform', channel: 'C0PLATFORM01' },
    });
    expect(parseSoc2Command('status data-eng', teams)).toEqual({
      kind: 'status',
      scope: { kind: 'team', team: 'Data-Eng', channel: 'C0DATA00001' },
    });
  });

  it('prefers a severity over a team of the same name', () => {
    expect(parseSoc2Command('status sev2', { sev2: 'C0ODD000001' })).toEqual({ kind: 'status', scope: { kind: 'severity', severity: 'sev2' } });
  });

  it('names the unknown subcommand or filter', () => {
    expect(parseSoc2Command('stats', teams)).toEqual({ kind: 'help', problem: { message: 'Unknown subcommand', word: 'stats' } });
    expect(parseSoc2Command('status sev4', teams)).toMatchObject({ kind: 'help', problem: { word: 'sev4' } });
    expect(parseSoc2Command('status 12345', teams)).toMatchObject({ kind: 'help', problem: { word: '12345' } });
    expect(parseSoc2Command('status marketing', teams)).toMatchObject({
      kind: 'help',
      problem: { message: expect.stringContaining('team from the policy file'), word: 'marketing' },
    });
  });

  it('does not take inherited object keys for teams', () => {
    expect(parseSoc2Command('status constructor', teams)).toMatchObject({ kind: 'help', problem: { word: 'constructor' } });
    expect(parseSoc2Command('status __proto__', teams)).toMatchObject({ kind: 'help', problem: { word: '__proto__' } });
  });

  it('refuses arguments where none are taken', () => {
    expect(parseSoc2Command('scan now', teams)).toEqual({
      kind: 'help',
      problem: { message: '`/soc2 scan` takes no arguments; got', word: 'now' },
    });
    expect(parseSoc2Command('exceptions platform', teams)).toMatchObject({ kind: 'help', problem: { word: 'platform' } });
    expect(parseSoc2Command('status platform sev1', teams)).toMatchObject({ kind: 'help', problem: { word: 'sev1' } });
  });
});
