/**
 * Errors the connector reports, each carrying the Airbyte `failure_type` it maps to (docs/airbyte-protocol.md §1.11):
 * `config_error` for what the user must fix, `transient_error` for what may clear by itself, `system_error` for
 * everything else. Messages say what is wrong and how to fix it; they never contain the token (see redact.ts).
 */

export type FailureType = 'config_error' | 'transient_error' | 'system_error';

export class ConnectorError extends Error {
  readonly failureType: FailureType;
  /** Detail for logs and `internal_message`: status codes, endpoints, raw error bodies. */
  readonly internal: string | undefined;

  constructor(failureType: FailureType, message: string, options: { internal?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ConnectorError';
    this.failureType = failureType;
    this.internal = options.internal;
  }
}

/** The user's configuration, catalog or state is wrong: says what and how to fix it. */
export class ConfigError extends ConnectorError {
  constructor(message: string, options: { internal?: string; cause?: unknown } = {}) {
    super('config_error', message, options);
    this.name = 'ConfigError';
  }
}

/** A fault that may clear by itself (rate limits, 5xx, network): retrying the sync later should work. */
export class TransientError extends ConnectorError {
  constructor(message: string, options: { internal?: string; cause?: unknown } = {}) {
    super('transient_error', message, options);
    this.name = 'TransientError';
  }
}

/** Anything not covered: a bug, or an API answer we do not understand. */
export class SystemError extends ConnectorError {
  constructor(message: string, options: { internal?: string; cause?: unknown } = {}) {
    super('system_error', message, options);
    this.name = 'SystemError';
  }
}

/** The failure type of any thrown value: ours carry one; anything else is a system error. */
export function failureTypeOf(error: unknown): FailureType {
  return error instanceof ConnectorError ? error.failureType : 'system_error';
}
