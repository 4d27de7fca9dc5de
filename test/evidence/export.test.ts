import Database from 'better-sqlite3';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderCsv } from '../../src/evidence/export/csv.js';
import { renderHtml } from '../../src/evidence/export/html.js';
import { renderJson } from '../../src/evidence/export/json.js';
import { readWindow } from '../../src/evidence/export/read-window.js';
import { buildReport, type EvidenceReport } from '../../src/evidence/export/report.js';
import { projectLifecycles } from '../../src/evidence/lifecycle.js';
import { openEvidenceReadOnly } from '../../src/evidence/open-read-only.js';
import { verifyChain } from '../../src/evidence/verify-chain.js';
import { hostileTitle, id, window, writeFixedScenario } from './fixed-scenario.js';

const generatedAt = '2026-12-02T09:00:00.000Z';
let dir: string;
let scenarioDb: string;
let report: EvidenceReport;

function exportFrom(path: string): EvidenceReport {
  const db = openEvidenceReadOnly(path);
  try {
    const read = readWindow(db, window);
    return buildReport({ lifecycles: projectLifecycles(read.events), unreadable: read.unreadable, window, verification: verifyChain(db, null), generatedAt });
  } finally {
    db.close();
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'soc2-bot-export-'));
  scenarioDb = join(dir, 'scenario.sqlite');
  writeFixedScenario(scenarioDb);
  report = exportFrom(scenarioDb);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const findingIn = (criterion: string, n: number) => report.criteria.find((g) => g.criterion === criterion)?.findings.find((f) => f.findingId === id(n));

/** RFC 4180 rows, enough to read back what renderCsv wrote (quoted cells may hold commas and newlines). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(cell), (cell = '');
    else if (c === '\r' && text[i + 1] === '\n') {
      rows.push([...row, cell]);
      (row = []), (cell = ''), i++;
    } else cell += c;
  }
  return rows;
}

describe('the export of a fixed month', () => {
  it('summarises outcomes, MTTR against SLA, breaches and recurrences exactly', () => {
    const { summary } = report;
    expect(summary.findings).toBe(8);
    expect(summary.byOutcome).toEqual({ fixed: 3, auto_fixed: 1, excepted: 1, open: 2, failed: 1 });
    expect(summary.bySeverity).toEqual({
      sev1: { fixed: 2, auto_fixed: 0, excepted: 0, open: 1, failed: 1 },
      sev2: { fixed: 1, auto_fixed: 1, excepted: 1, open: 0, failed: 0 },
      sev3: { fixed: 0, auto_fixed: 0, excepted: 0, open: 1, failed: 0 },
    });
    expect(summary.mttr).toEqual({
      sev1: { remediated: 2, meanHours: 21, slaHours: 24, withinSla: true }, // (6 h + 36 h) / 2
      sev2: { remediated: 2, meanHours: 1.25, slaHours: 336, withinSla: true }, // (0.5 h + 2 h) / 2
      sev3: { remediated: 0, meanHours: null, slaHours: 2160, withinSla: null },
    });
    expect(summary.slaBreaches).toEqual({ fixedLate: 1, openPastDue: 2 }); // f2 late; f5 and f6 past due
    expect(summary.recurrences).toBe(1);
    expect(summary.weekly).toEqual([
      { week: '2026-W44', opened: 0, closed: 0 },
      { week: '2026-W45', opened: 2, closed: 2 },
      { week: '2026-W46', opened: 3, closed: 3 },
      { week: '2026-W47', opened: 1, closed: 0 },
      { week: '2026-W48', opened: 0, closed: 0 },
      { week: '2026-W49', opened: 1, closed: 0 },
    ]);
    expect(report.verification).toMatchObject({ firstBreak: null, signature: { status: 'not_checked' } });
    expect(report.unreadable).toEqual([]);
  });

  it('groups findings by SOC 2 criterion, each under every criterion it has, unmapped last', () => {
    expect(report.criteria.map((g) => [g.criterion, g.findings.map((f) => f.findingId)])).toEqual([
      ['CC6.1', [id(1), id(6), id(4)]], // sev1 before sev2, then by detection
      ['CC6.6', [id(1), id(2), id(8)]],
      ['CC7.2', [id(3)]],
      ['CC8.1', [id(7)]],
      ['unmapped', [id(5)]],
    ]);
  });

  it('lists for each finding its decisions, the fix with before, after and calls, verification and time to remediate', () => {
    const f1 = findingIn('CC6.1', 1)!;
    expect(f1).toMatchObject({ owner: 'platform', channel: 'C0PLATFORM01', resourceId: 'arn:aws:s3:::bucket-f1' });
    const [cycle] = f1.cycles;
    expect(cycle).toMatchObject({ openedAt: '2026-11-02T10:00:00.000Z', severity: 'sev1', dueAt: '2026-11-03T10:00:00.000Z', outcome: 'fixed', timeToRemediateMs: 6 * 3_600_000 });
    expect(cycle?.decisions).toEqual([
      { at: '2026-11-02T14:00:00.000Z', kind: 'approved', actor: { type: 'slack_user', id: 'U0ANA00001', name: 'ana' }, detail: 'approved s3-block-public-access' },
    ]);
    expect(cycle?.fixes[0]?.plan).toMatchObject({ before: { BlockPublicAcls: false }, after: { BlockPublicAcls: true }, calls: [{ service: 's3', operation: 'PutPublicAccessBlock' }] });
    expect(cycle?.fixes[0]?.steps.map((s) => s.step)).toEqual(['planned', 'applied', 'verified']);

    const f4 = findingIn('CC6.1', 4)!.cycles[0];
    expect(f4?.exception).toMatchObject({ justification: 'partner feed needs public read until Q1', requestedBy: 'U0ANA00001', grantedBy: { name: 'ben' }, expiresAt: '2027-03-31T00:00:00.000Z' });
    expect(f4?.decisions.map((d) => [d.kind, d.actor.id])).toEqual([['exception_requested', 'U0ANA00001'], ['exception_granted', 'U0BEN00001']]);

    const f7 = findingIn('CC8.1', 7)!;
    expect(f7.cycles.map((c) => [c.openedBy, c.outcome, c.timeToRemediateMs])).toEqual([['recurred', 'fixed', 2 * 3_600_000]]);
    expect(f7.recurredAt).toEqual(['2026-11-15T00:00:00.000Z']);
  });

  it('keeps the window: the first instant is in, the instant after the last day is out', () => {
    const ids = new Set(report.criteria.flatMap((g) => g.findings.map((f) => f.findingId)));
    expect(ids.has(id(9))).toBe(false); // detected at 2026-12-01T00:00:00.000Z
    expect(ids.has(id(10))).toBe(false); // detected and fixed in October
    const f8 = findingIn('CC6.6', 8)!.cycles[0];
    // Detected at the last millisecond; approved and fixed at the first instant after the window.
    expect(f8).toMatchObject({ openedAt: '2026-11-30T23:59:59.999Z', outcome: 'open', closedAt: null, decisions: [], fixes: [] });
    const f5 = findingIn('unmapped', 5)!.cycles[0];
    expect(f5?.decisions).toEqual([expect.objectContaining({ at: '2026-11-01T00:00:00.000Z', kind: 'approval_refused' })]);
  });

  it('reads through indexes only: no scan of the event log', () => {
    const db = openEvidenceReadOnly(scenarioDb);
    const plans: string[] = [];
    const prepare = db.prepare.bind(db);
    db.prepare = ((sql: string) => {
      plans.push(...(prepare(`EXPLAIN QUERY PLAN ${sql}`).all({ start: '', end: '', kinds: '[]' }) as { detail: string }[]).map((r) => r.detail));
      return prepare(sql);
    }) as typeof db.prepare;
    try {
      readWindow(db, window);
    } finally {
      db.close();
    }
    expect(plans.filter((p) => /^SCAN (evidence_events|e)\b/.test(p))).toEqual([]);
    expect(plans).toContain('SEARCH evidence_events USING COVERING INDEX evidence_events_markers (finding_id>?)');
  });

  it('gives the same answer from a database that predates the export indexes', () => {
    const path = join(dir, 'unindexed.sqlite');
    copyFileSync(scenarioDb, path);
    const db = new Database(path);
    db.exec('DROP INDEX evidence_events_markers; DROP INDEX evidence_events_at_finding; DROP INDEX evidence_events_kind_at_finding');
    db.close();
    const unindexed = exportFrom(path);
    expect(unindexed.summary).toEqual(report.summary);
    expect(unindexed.criteria).toEqual(report.criteria);
  });

  it('reports a stored payload it cannot read instead of trusting it', () => {
    const path = join(dir, 'unreadable.sqlite');
    copyFileSync(scenarioDb, path);
    const db = new Database(path);
    db.exec('DROP TRIGGER evidence_events_no_update');
    const seq = db.prepare("SELECT seq FROM evidence_events WHERE kind = 'fix.verified' ORDER BY seq LIMIT 1").pluck().get() as number;
    db.prepare("UPDATE evidence_events SET data = '{\"detail\": 42}' WHERE seq = ?").run(seq);
    db.close();
    const broken = exportFrom(path);
    expect(broken.unreadable).toEqual([{ seq, kind: 'fix.verified', problem: expect.stringMatching(/^observed: /) }]);
    expect(broken.verification.firstBreak).toMatchObject({ problem: 'changed', seq });
    const html = renderHtml(broken);
    expect(html).toContain('WARNING: the evidence chain did not verify');
    expect(html).toContain(`chain BROKEN at seq ${seq} (changed)`);
    expect(html).toContain('Events that could not be read');
  });
});

describe('renderers', () => {
  it('CSV: verification and summary on top, then one row per criterion and finding, formulas defused', () => {
    const rows = parseCsv(renderCsv(report));
    expect(rows[0]).toEqual(['soc2-bot evidence export']);
    expect(rows).toContainEqual(['verification', 'Evidence chain verified: intact']);
    expect(rows).toContainEqual(['verification', `checked ${report.verification.checked} events`]);
    expect(rows).toContainEqual(['severity', 'fixed', 'auto_fixed', 'excepted', 'open', 'failed', 'total']);
    expect(rows).toContainEqual(['sev1', '2', '0', '0', '1', '1', '4']);
    expect(rows).toContainEqual(['all', '3', '1', '1', '2', '1', '8']);
    expect(rows).toContainEqual(['sev1', '2', '21.00', '24', 'yes']);
    expect(rows).toContainEqual(['sla_breaches_fixed_late', '1']);
    expect(rows).toContainEqual(['sla_breaches_open_past_due', '2']);
    expect(rows).toContainEqual(['recurrences', '1']);

    const headerAt = rows.findIndex((r) => r[0] === 'criterion');
    const header = rows[headerAt]!;
    const findings = rows.slice(headerAt + 1).map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ''])));
    expect(findings.map((f) => `${f['criterion']} ${f['finding_id']?.slice(-3)}`)).toEqual([
      'CC6.1 /f1', 'CC6.1 /f6', 'CC6.1 /f4', 'CC6.6 /f1', 'CC6.6 /f2', 'CC6.6 /f8', 'CC7.2 /f3', 'CC8.1 /f7', 'unmapped /f5',
    ]);
    const f2 = findings.find((f) => f['finding_id'] === id(2))!;
    expect(f2).toMatchObject({ severity: 'sev1', outcome: 'fixed', time_to_remediate_hours: '36.00', sla_breached: 'yes', due_at: '2026-11-06T00:00:00.000Z' });
    expect(f2['decisions']).toBe('2026-11-06T12:00:00.000Z approved s3-block-public-access (by ben (U0BEN00001))');
    expect(f2['fix_before']).toContain('BlockPublicAcls: false');
    expect(f2['fix_after']).toContain('BlockPublicAcls: true');
    expect(f2['api_calls']).toMatch(/^s3:PutPublicAccessBlock \{"Bucket":"customer-exports"/);
    expect(f2['verification']).toBe('2026-11-06T12:00:00.000Z all four settings read back true');
    const f3 = findings.find((f) => f['finding_id'] === id(3))!;
    expect(f3).toMatchObject({ outcome: 'auto-fixed', mode: 'autopilot', time_to_remediate_hours: '0.50', decisions: '' });
    const f4 = findings.find((f) => f['finding_id'] === id(4))!;
    expect(f4).toMatchObject({ title: hostileTitle, outcome: 'excepted', exception_approver: 'ben (U0BEN00001)', exception_expires_at: '2027-03-31T00:00:00.000Z' });
    // A cell starting with = would run as a formula in a spreadsheet.
    expect(f4['owner']).toBe(`'=HYPERLINK("http://evil.example")`);
  });

  it('JSON: every field, with the verification and a format version', () => {
    const parsed = JSON.parse(renderJson(report)) as Record<string, unknown>;
    expect(parsed).toMatchObject({ format: 'soc2-bot-evidence-export', version: 1, generatedAt, window });
    expect(parsed['summary']).toEqual(report.summary);
    expect(parsed['verification']).toEqual(report.verification);
    expect(JSON.stringify(parsed['criteria'])).toContain(hostileTitle.replaceAll('"', '\\"'));
  });

  it('HTML: one self-contained, printable page with both charts, every outside value escaped', () => {
    const html = renderHtml(report);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('@media print');
    expect(html.match(/<svg /g)).toHaveLength(2);
    expect(html).toContain('aria-label="Findings opened and closed per ISO week"');
    expect(html).toContain('<title>2026-W46: 3 opened</title>');
    expect(html).toContain('aria-label="Mean time to remediate per severity against its SLA"');
    expect(html).toContain('21.00 h mean of 2 (SLA 24 h, 88%)');
    expect(html).toContain('Evidence chain verified: intact');
    expect(html).toContain('&#60;script&#62;alert(&#34;owned&#34;)&#60;/script&#62; &#38; &#60;img src=x onerror=alert(1)&#62;');
    // Nothing runs and nothing is fetched.
    expect(html).not.toMatch(/<(script|img|link|iframe|object|embed)\b/i);
    expect(html).not.toMatch(/<[a-z][^>]*\s(on\w+|src|href)=/i);
    expect(html).toContain('=HYPERLINK(&#34;http://evil.example&#34;)');
    expect(html).toContain('partner feed needs public read until Q1');
  });
});
