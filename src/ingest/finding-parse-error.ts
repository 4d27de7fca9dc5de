/**
 * The one error ingest throws. `message` says what is wrong with the input (without the
 * source, so callers can prefix it their own way); `source` names where the input came from.
 */
export class FindingParseError extends Error {
  override readonly name = 'FindingParseError';

  constructor(
    readonly source: string,
    message: string,
    /** Individual problems, e.g. one per invalid field path, when there are several. */
    readonly problems: readonly string[] = [],
  ) {
    super(message);
  }
}

/**
 * Thrown inside the ingest modules, which do not know the source; `normalize` turns it
 * into a FindingParseError. `path` is where in the input the problem is.
 */
export class InputProblem extends Error {
  constructor(
    message: string,
    readonly problems: readonly string[] = [],
  ) {
    super(message);
  }
}
