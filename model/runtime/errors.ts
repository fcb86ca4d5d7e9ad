// Errors the SEED runtime throws. Every error carries a `code` so that callers (the kernel, the worker proxy) can
// tell bad input from a broken package without parsing messages, and a message that says what was wrong, what was
// expected and, where it helps, what to do. Errors cross the worker boundary as {name, code, message} and are
// rebuilt with `SeedError.fromJSON`.

/** What kind of failure: a bad model package, bad caller input, an ONNX Runtime failure, or a cancelled call. */
export type SeedErrorCode =
  | "manifest" // seed.json is missing, malformed or names a wrong value
  | "package-file" // a file of the package is missing, has the wrong size or checksum
  | "image" // an image could not be read, is empty or is too large
  | "input" // token ids, prompts or options out of range
  | "context" // a prompt (plus the tokens to generate) does not fit the language model's context
  | "memory" // the package needs more memory than this machine has available
  | "session" // ONNX Runtime failed to create or run a session
  | "remote" // the language-model server is unreachable, too slow, failed, or serves another vocabulary
  | "aborted" // the caller's AbortSignal fired
  | "disposed"; // the model was disposed (or its worker died)

export class SeedError extends Error {
  readonly code: SeedErrorCode;

  constructor(code: SeedErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = code === "aborted" ? "AbortError" : "SeedError";
    this.code = code;
  }

  toJSON(): SerializedSeedError {
    return { name: this.name, code: this.code, message: this.message, stack: this.stack };
  }

  static fromJSON(e: SerializedSeedError): SeedError {
    const err = new SeedError(e.code, e.message);
    if (e.stack !== undefined) err.stack = e.stack;
    return err;
  }
}

export interface SerializedSeedError {
  name: string;
  code: SeedErrorCode;
  message: string;
  stack?: string;
}

/** The minimal view of an AbortSignal the pipelines need; the worker passes a SharedArrayBuffer-backed flag. */
export interface AbortFlag {
  readonly aborted: boolean;
}

/** Throws an "aborted" SeedError when the flag is set. Called between steps and tokens. */
export function throwIfAborted(signal: AbortFlag | undefined, what: string): void {
  if (signal?.aborted) throw new SeedError("aborted", `${what} was aborted`);
}
