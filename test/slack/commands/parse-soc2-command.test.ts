import { describe, expect, it } from 'vitest';
import { parseSoc2Command } from '../../../src/slack/commands/parse-soc2-command.js';

const teams = { platform: 'C0PLATFORM01', 'Data-Eng': 'C0DATA00001' };
const now = new Date('2026-11-25T12:00:00.000Z');

describe('parseSoc2Command', () => {
  it('reads each subcommand, ignoring case and extra spaces', () => {
    expect(parseSoc2Command('  STATUS  ', teams, now)).toEqual({ kind: 'status', scope: { kind: 'all' } });
    expect(parseSoc2Command('exceptions', teams, now)).toEqual({ kind: 'exceptions' });
    expect(parseSoc2Command('Scan', teams, now)).toEqual({ kind: 'scan' });
    expect(parseSoc2Command('help', teams, now)).toEqual({ kind: 'help', problem: null });
  });

  it('answers empty text with help and no complaint', () => {
    expect(parseSoc2Command('', teams, now)).toEqual({ kind: 'help', problem: null });
    expect(parseSoc2Command(' \u00a0\t', teams, now)).toEqual({ kind: 'help', problem: null });
  });

  it('reads status filters: severity, account id, team (exact, then unique case-insensitive)', () => {
    expect(parseSoc2Command('status SEV1', teams, now)).toEqual({ kind: 'status', scope: { kind: 'severity', severity: 'sev1' } });
    expect(parseSoc2Command('status sev3', teams, now)).toEqual({ kind: 'status', scope: { kind: 'severity', severity: 'sev3' } });
    expect(parseSoc2Command('status 111111111111', teams, now)).toEqual({ kind: 'status', scope: { kind: 'account', account: '111111111111' } });
    expect(parseSoc2Command('status platform', teams, now)).toEqual({
      kind: 'status',
      scope: { kind: 'team', team: 'platform', channel: 'C0PLATFORM01' },
    });
    expect(parseSoc2Command('status data-eng', teams, now)).toEqual({
      kind: 'status',
      scope: { kind: 'team', team: 'Data-Eng', channel: 'C0DATA00001' },
    });
  });

  it('prefers a severity over a team of the same name', () => {
    expect(parseSoc2Command('status sev2', { sev2: 'C0ODD000001' }, now)).toEqual({ kind: 'status', scope: { kind: 'severity', severity: 'sev2' } });
  });

  it('names the unknown subcommand or filter', () => {
    expect(parseSoc2Command('stats', teams, now)).toEqual({ kind: 'help', problem: { message: 'Unknown subcommand', word: 'stats' } });
    expect(parseSoc2Command('status sev4', teams, now)).toMatchObject({ kind: 'help', problem: { word: 'sev4' } });
    expect(parseSoc2Command('status 12345', teams, now)).toMatchObject({ kind: 'help', problem: { word: '12345' } });
    expect(parseSoc2Command('status marketing', teams, now)).toMatchObject({
      kind: 'help',
      problem: { message: expect.stringContaining('team from the policy file'), word: 'marketing' },
    });
  });

  it('does not take inherited object keys for teams', () => {
    expect(parseSoc2Command('status constructor', teams, now)).toMatchObject({ kind: 'help', problem: { word: 'constructor' } });
    expect(parseSoc2Command('status __proto__', teams, now)).toMatchObject({ kind: 'help', problem: { word: '__proto__' } });
  });

  it('refuses arguments where none are taken', () => {
    expect(parseSoc2Command('scan now', teams, now)).toEqual({
      kind: 'help',
      problem: { message: '`/soc2 scan` takes no arguments; got', word: 'now' },
    });
    expect(parseSoc2Command('exceptions platform', teams, now)).toMatchObject({ kind: 'help', problem: { word: 'platform' } });
    expect(parseSoc2Command('status platform sev1', teams, now)).toMatchObject({ kind: 'help', problem: { word: 'sev1' } });
  });

  it('reads export windows as whole UTC days, to inclusive, html unless a format is named', () => {
    expect(parseSoc2Command('export 2026-11-01 2026-11-24', teams, now)).toEqual({
      kind: 'export',
      window: { from: '2026-11-01', to: '2026-11-24', start: '2026-11-01T00:00:00.000Z', end: '2026-11-25T00:00:00.000Z' },
      format: 'html',
    });
    expect(parseSoc2Command('EXPORT 2026-11-25 2026-11-25 CSV', teams, now)).toMatchObject({ kind: 'export', format: 'csv', window: { end: '2026-11-26T00:00:00.000Z' } });
    expect(parseSoc2Command('export 2025-11-25 2026-11-25 json', teams, now)).toMatchObject({ kind: 'export', format: 'json' });
  });

  it('says what is wrong with an export request', () => {
    const problem = (text: string) => {
      const parsed = parseSoc2Command(text, teams, now);
      return parsed.kind === 'help' ? parsed.problem : null;
    };
    expect(problem('export')).toEqual({ message: expect.stringContaining('needs two dates'), word: '' });
    expect(problem('export 2026-11-01')).toEqual({ message: expect.stringContaining('needs two dates'), word: '' });
    expect(problem('export 2026-02-30 2026-03-01')).toEqual({ message: 'Not a date YYYY-MM-DD', word: '2026-02-30' });
    expect(problem('export 2026-11-01 yesterday')).toEqual({ message: 'Not a date YYYY-MM-DD', word: 'yesterday' });
    expect(problem('export 2026-11-10 2026-11-01')).toEqual({ message: 'The window ends before it starts: 2026-11-01 is before', word: '2026-11-10' });
    expect(problem('export 2026-11-01 2026-11-26')).toEqual({ message: 'The window reaches into the future (today is 2026-11-25 UTC)', word: '2026-11-26' });
    expect(parseSoc2Command('export 2025-11-24 2026-11-24', teams, now)).toMatchObject({ kind: 'export' }); // 366 days: the most allowed
    expect(problem('export 2025-11-23 2026-11-24')).toEqual({ message: 'An export covers at most 366 days; this window has 367', word: '2025-11-23 2026-11-24' });
    expect(problem('export 2026-11-01 2026-11-24 pdf')).toEqual({ message: 'Not an export format (csv, json, html)', word: 'pdf' });
    expect(problem('export 2026-11-01 2026-11-24 html now')).toEqual({ message: expect.stringContaining('takes two dates and a format at most'), word: 'now' });
  });
});
