/** The simulated tenant's clock at start unless told otherwise: 2026-01-05 12:00 UTC. */
export const DEFAULT_EPOCH = Date.UTC(2026, 0, 5, 12, 0, 0);
