/** A Slack user who acted, as the interaction payload named them. */
export interface Person {
  id: string;
  name: string | null;
}

/** Who "approved" an autopilot fix: the policy did, and the card says so. */
export const autopilot: Person = { id: 'soc2-bot', name: 'autopilot' };
