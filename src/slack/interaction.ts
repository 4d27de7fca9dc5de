import { z } from 'zod';
import type { Person } from '../domain/person.js';

/** The fields of a `block_actions` payload the bot relies on, checked rather than assumed. */
const blockActionSchema = z.object({
  user: z.object({ id: z.string().min(1), username: z.string().optional(), name: z.string().optional() }),
  container: z.object({ message_ts: z.string().min(1), channel_id: z.string().min(1) }),
  actions: z.array(z.object({ action_id: z.string(), value: z.string().max(2000) })).min(1),
  trigger_id: z.string().optional(),
});

export interface ButtonClick {
  user: Person;
  channel: string;
  messageTs: string;
  actionId: string;
  value: string;
  /** Opens a modal; valid for 3 seconds and once. */
  triggerId: string | null;
}

export function parseButtonClick(body: unknown): ButtonClick | { error: string } {
  const parsed = blockActionSchema.safeParse(body);
  if (!parsed.success) {
    return { error: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
  }
  const { user, container, actions } = parsed.data;
  const action = actions[0]!;
  return {
    user: { id: user.id, name: user.name ?? user.username ?? null },
    channel: container.channel_id,
    messageTs: container.message_ts,
    actionId: action.action_id,
    value: action.value,
    triggerId: parsed.data.trigger_id ?? null,
  };
}
