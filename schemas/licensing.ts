/**
 * `licensing`: the tenant's licence counts and limits, one row per sync (`GET /settings/licensing`, docs/kandji-api.md
 * §6.11). Its key is the constant `id` "licensing": the latest row is the current licence.
 */
import { boolean, integer, object, record, string } from './schema.ts';

export const licensing = record({
  id: string('Always "licensing": one row per sync'),
  counts: object({
    computers_count: integer(),
    ios_count: integer(),
    ipados_count: integer(),
    macos_count: integer(),
    tvos_count: integer(),
  }),
  limits: object({
    plan_type: string(),
    max_devices: integer(),
    max_devices_per_platform: object({ macos: integer(), ios_ipados: integer() }),
  }),
  tenantOverLicenseLimit: boolean(),
});
