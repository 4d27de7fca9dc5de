/** A Slack user who acted, as the interaction payload named them. */
export interface Person {
  id: string;
  name: string | null;
}
