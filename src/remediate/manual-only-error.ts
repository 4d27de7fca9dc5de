import type { Plan } from './remediation.js';

/**
 * Thrown by `plan` when the resource fails the control but changing it automatically
 * could break something that depends on it (a default security group that network
 * interfaces still use). `plan` is what was read and why nothing will be done: no calls,
 * `alreadyCompliant: false`, and a diff that says what a person must decide. Throwing,
 * rather than returning that plan, keeps a caller from ever applying or "verifying" it.
 */
export class ManualOnlyError extends Error {
  override readonly name = 'ManualOnlyError';

  constructor(
    /** One line for the card: why a person must do this. */
    readonly reason: string,
    readonly plan: Plan,
  ) {
    super(reason);
  }
}
