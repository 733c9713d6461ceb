export type ModelErrorCode = 'not-found' | 'invalid' | 'conflict';

/** Thrown by mutations on bad input; nothing has been written when it is thrown. */
export class ModelError extends Error {
  constructor(
    readonly code: ModelErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ModelError';
  }
}

export function invariant(condition: unknown, code: ModelErrorCode, message: string): asserts condition {
  if (!condition) throw new ModelError(code, message);
}
