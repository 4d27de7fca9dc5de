/** JSON text as a value to validate, or undefined when it is not JSON (the validator then says so). */
export function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
