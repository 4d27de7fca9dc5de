import { z } from 'zod';

/** What the bot reads from a submitted view: its metadata and the values of its inputs. */
const viewSubmissionSchema = z.object({
  user: z.object({ id: z.string().min(1), username: z.string().optional(), name: z.string().optional() }),
  view: z.object({
    callback_id: z.string(),
    private_metadata: z.string().max(3000),
    state: z.object({
      values: z.record(
        z.string(),
        z.record(
          z.string(),
          z.object({
            value: z.string().nullish(),
            selected_date: z.string().nullish(),
            selected_user: z.string().nullish(),
          }),
        ),
      ),
    }),
  }),
});

export interface ViewSubmission {
  user: { id: string; name: string | null };
  metadata: string;
  /** block_id -> the input's value (text, date or user id), or null when left empty. */
  values: Record<string, string | null>;
}

export function parseViewSubmission(body: unknown): ViewSubmission | { error: string } {
  const parsed = viewSubmissionSchema.safeParse(body);
  if (!parsed.success) return { error: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
  const { user, view } = parsed.data;
  const values: Record<string, string | null> = {};
  for (const [blockId, actions] of Object.entries(view.state.values)) {
    const input = Object.values(actions)[0];
    values[blockId] = input?.value ?? input?.selected_date ?? input?.selected_user ?? null;
  }
  return { user: { id: user.id, name: user.name ?? user.username ?? null }, metadata: view.private_metadata, values };
}

/** Which card a modal was opened from; carried in private_metadata and checked on the way back. */
const cardRefSchema = z.object({ findingId: z.string().min(1), channel: z.string().min(1), ts: z.string().min(1) });
export type CardRef = z.infer<typeof cardRefSchema>;

export function encodeCardRef(ref: CardRef): string {
  return JSON.stringify(ref);
}

export function decodeCardRef(metadata: string): CardRef | null {
  try {
    const parsed = cardRefSchema.safeParse(JSON.parse(metadata));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
