import { z } from 'zod';

/**
 * The subset of the AWS Security Finding Format (ASFF) the bot reads.
 *
 * Lenient where real findings differ: unknown keys are allowed but not copied (so 100 000 of
 * them cost nothing), and fields that older or third-party findings lack (Region,
 * Severity.Label, GeneratorId, Workflow, Compliance, Resources[].Details, Resources[].Tags) are
 * optional. Every string has a length cap so a hostile file cannot push megabytes into cards,
 * logs or the database.
 */

/** Caps are a few times ASFF's own limits (Title 256, Description 1024, Id 512, 50 tags). */
const limits = { id: 2048, title: 1024, description: 8192, name: 256, region: 64, tagKey: 512, tagValue: 2048, tags: 1000 } as const;

const text = (max: number) => z.string().max(max, `longer than ${max} characters`);
const nonEmpty = (max: number) => text(max).min(1, 'empty');

// RFC 3339 with an explicit zone: without one, `new Date()` reads local time and deadlines
// would depend on the host's time zone.
const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/i;

const daysInMonth = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Date.parse rolls 2026-02-30 over to March 2 and 24:00:00 to the next day; RFC 3339 allows neither. */
function isCalendarTime(s: string): boolean {
  const [year = 0, month = 0, day = 0] = s.slice(0, 10).split('-').map(Number);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 && leap ? 29 : (daysInMonth[month - 1] ?? 0);
  return day <= days && Number(s.slice(11, 13)) <= 23;
}

export const timestampSchema = z
  .string()
  .max(64, 'not a valid date: longer than 64 characters')
  .refine(
    (s) => rfc3339.test(s) && !Number.isNaN(Date.parse(s)) && isCalendarTime(s),
    'not a valid date (expected ISO 8601 with a zone, e.g. 2024-01-31T12:00:00Z)',
  );

export const severityLabels = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL'] as const;

/** A score given as a number or, as some published samples do, a numeric string. */
const score = z.union([z.number(), text(32)], { error: 'expected a number' });

export const asffSeveritySchema = z.object({
  Label: z.enum(severityLabels).optional(),
  Normalized: score.optional(),
  Original: text(limits.name).optional(),
  Product: score.optional(),
});

export const asffResourceSchema = z.object({
  Type: nonEmpty(limits.name),
  Id: nonEmpty(limits.id),
  Region: text(limits.region).optional(),
  Partition: text(32).optional(),
  // Counted before each entry is checked: 100 000 bad tags would otherwise cost a second of zod issues.
  Tags: z
    .custom<object>((value) => typeof value !== 'object' || value === null || Object.keys(value).length <= limits.tags, `more than ${limits.tags} tags`)
    .pipe(z.record(text(limits.tagKey), text(limits.tagValue)))
    .optional(),
});

/** ProductFields is a string map; only the keys the bot reads are typed. */
export const asffProductFieldsSchema = z.object({
  ControlId: text(limits.name).optional(),
  RuleId: text(limits.name).optional(),
  ProviderName: text(limits.name).optional(),
  'aws/securityhub/SeverityLabel': text(limits.name).optional(),
  'aws/securityhub/ProductName': text(limits.name).optional(),
});

export const asffFindingSchema = z.object({
  SchemaVersion: text(32).optional(),
  Id: nonEmpty(limits.id),
  ProductArn: nonEmpty(limits.id),
  ProductName: text(limits.name).optional(),
  GeneratorId: text(limits.id).optional(),
  AwsAccountId: nonEmpty(limits.name),
  Region: text(limits.region).optional(),
  Title: nonEmpty(limits.title),
  Description: text(limits.description).optional(),
  FirstObservedAt: timestampSchema.optional(),
  CreatedAt: timestampSchema,
  UpdatedAt: timestampSchema,
  Severity: asffSeveritySchema,
  ProductFields: asffProductFieldsSchema.optional(),
  Resources: z.array(asffResourceSchema).min(1, 'needs at least one resource').max(1000, 'more than 1000 resources'),
  Compliance: z
    .object({
      Status: z.enum(['PASSED', 'WARNING', 'FAILED', 'NOT_AVAILABLE']).optional(),
      SecurityControlId: text(limits.name).optional(),
    })
    .optional(),
  Workflow: z.object({ Status: z.enum(['NEW', 'NOTIFIED', 'RESOLVED', 'SUPPRESSED']).optional() }).optional(),
  /** Deprecated predecessor of Workflow.Status, still sent by older findings. */
  WorkflowState: z.enum(['NEW', 'ASSIGNED', 'IN_PROGRESS', 'DEFERRED', 'RESOLVED']).optional(),
  RecordState: z.enum(['ACTIVE', 'ARCHIVED']).optional(),
});

export type AsffFinding = z.infer<typeof asffFindingSchema>;
export type AsffSeverity = z.infer<typeof asffSeveritySchema>;
