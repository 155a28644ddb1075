/**
 * Which tenant a state belongs to. Every stream's state blob carries the API host it was read from (`api_host`) and,
 * when the configuration names one, the tenant's label (`tenant`), beside the stream's own cursor keys: the Airbyte
 * state stays a plain per-stream STATE (docs/airbyte-protocol.md §1.5), and an orchestrator that stores any one stream's
 * state also stores where it came from. A state read from another host is refused before any request: its cursors
 * would make the incremental streams read nothing and call that complete. States written before these keys
 * existed carry no owner and are taken as they are.
 */
import { ConfigError } from '../core/errors.ts';
import type { InputState } from './input.ts';

/** The keys this module adds to every stream's state; readers of cursors ignore them. */
export const OWNER_KEYS = ['api_host', 'tenant'] as const;

export interface StateOwner {
  /** The API host, with its port when not the default, as in ResolvedConfig.host: `acme.api.kandji.io`, `127.0.0.1:4010`. */
  api_host: string;
  /** The tenant's label, when the configuration has one. */
  tenant?: string;
}

/** `state` with the owner's keys added (a state from before them, or one being moved, gets the current owner). */
export function stampOwner(state: Record<string, unknown>, owner: StateOwner): Record<string, unknown> {
  return { ...state, api_host: owner.api_host, ...(owner.tenant === undefined ? {} : { tenant: owner.tenant }) };
}

/** The owner a state names (the first stream that names one), or undefined for a state from before owners. */
export function ownerOf(state: InputState): (StateOwner & { stream: string }) | undefined {
  for (const [stream, blob] of state) {
    if (typeof blob.api_host !== 'string') continue;
    return { stream, api_host: blob.api_host, ...(typeof blob.tenant === 'string' ? { tenant: blob.tenant } : {}) };
  }
  return undefined;
}

/** What differs between the owner recorded and the one configured, in words; undefined when they agree. */
export function ownerMismatch(recorded: StateOwner, configured: StateOwner): string | undefined {
  if (recorded.api_host.toLowerCase() !== configured.api_host.toLowerCase())
    return `was read from ${recorded.api_host}, but the configuration points at ${configured.api_host}`;
  if (recorded.tenant !== undefined && configured.tenant !== undefined && recorded.tenant !== configured.tenant)
    return `belongs to tenant "${recorded.tenant}", but the configuration names tenant "${configured.tenant}"`;
  return undefined;
}

/**
 * Refuse a state that names another host (or tenant) than the configuration: `read --state` of another tenant's
 * state. Also refuses a state whose streams disagree among themselves, which only a hand-merged file can be.
 */
export function checkStateOwner(state: InputState, configured: StateOwner): void {
  const recorded = ownerOf(state);
  if (!recorded) return;
  for (const [stream, blob] of state) {
    if (typeof blob.api_host === 'string' && blob.api_host.toLowerCase() !== recorded.api_host.toLowerCase())
      throw new ConfigError(
        `The state mixes tenants: ${recorded.stream} was read from ${recorded.api_host} and ${stream} from ${blob.api_host}. Pass the state of one connection only.`,
      );
  }
  const mismatch = ownerMismatch(recorded, configured);
  if (mismatch)
    throw new ConfigError(
      `The state ${mismatch}. Its cursors would make this read skip data, so it is refused. Pass the state saved for ${configured.api_host}, or no --state for a first read of it (in Airbyte, clear the connection's data to reset its state).`,
    );
}
