/** Error codes a Butler call can end with. Flows branch on these: keep them stable. */
export type ButlerErrorCode =
  | 'INVALID_TASK'
  | 'INVALID_ACTION'
  | 'UNKNOWN_TASK'
  | 'UNAUTHORIZED'
  | 'BAD_REQUEST'
  | 'TIMEOUT'
  | 'UNREACHABLE'
  | 'TLS'
  | 'SERVER_ERROR'
  | 'BAD_RESPONSE'
  | 'NOT_CONFIGURED'
  | 'QUEUE_FULL'
  | 'INVALID_SETTING'
  | 'ABORTED'
  /** A fault of this package, not of the server or the input: please report it. */
  | 'INTERNAL';

export interface ButlerErrorInfo {
  message: string;
  code: ButlerErrorCode;
  statusCode?: number;
  task?: string;
  /** What happened, in the client's own (English) words, when `message` is a translated summary. */
  detail?: string;
}

/** The one error type the client throws. It never holds request config, headers or the token. */
export class ButlerError extends Error {
  readonly code: ButlerErrorCode;
  readonly statusCode?: number;
  readonly task?: string;
  /** The client's own account, kept when a node layer translates `message`. */
  detail?: string;

  constructor(code: ButlerErrorCode, message: string, extra: { statusCode?: number; task?: string } = {}) {
    super(message);
    this.name = 'PlexButlerError';
    this.code = code;
    if (extra.statusCode !== undefined) this.statusCode = extra.statusCode;
    if (extra.task !== undefined) this.task = extra.task;
  }

  /** The same error, naming the task it happened to. */
  withTask(task: string): ButlerError {
    return new ButlerError(this.code, this.message, { statusCode: this.statusCode, task });
  }

  /** Plain object for msg.error. */
  toJSON(): ButlerErrorInfo {
    const out: ButlerErrorInfo = { message: this.message, code: this.code };
    if (this.statusCode !== undefined) out.statusCode = this.statusCode;
    if (this.task !== undefined) out.task = this.task;
    if (this.detail !== undefined && this.detail !== this.message) out.detail = this.detail;
    return out;
  }
}

export function isButlerError(err: unknown): err is ButlerError {
  return err instanceof ButlerError;
}
