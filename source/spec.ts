/**
 * The connector's configuration, written once (STYLE.md §6): the `Config` type, the JSON Schema that `spec` prints
 * and `spec.json` holds (scripts/generate_spec.ts), the defaults, and which fields are secret all come from
 * `configSchema` below. source/config.ts validates a user's file against it and resolves it for the connector.
 *
 * The schema keeps to what Airbyte's spec checks allow (docs/airbyte-protocol.md §2.1): no `$ref`, no
 * anyOf/allOf/not/patternProperties, `additionalProperties: true`, unique `order`. "api_url or subdomain" is a
 * choice between two fields that a schema could only say with anyOf, so source/config.ts enforces it.
 */
import Type, { type Static } from 'typebox';

/** Days before the sync's start where audit_events begins on a first sync when start_date is not set. */
export const START_DATE_DEFAULT_DAYS = 30;

/** The configuration's JSON Schema, with Airbyte's UI annotations (title, order, airbyte_secret, …) on each field. */
export const configSchema = Type.Object(
  {
    api_url: Type.Optional(
      Type.String({
        title: 'API URL',
        description:
          'Your tenant\'s API URL, as Kandji shows it under Settings → Access ("Your organization\'s API URL is …"). ' +
          'Paste it in any form: with or without https:// and /api/v1. US tenants end in .api.kandji.io, EU tenants ' +
          'in .api.eu.kandji.io. Set this or Subdomain; no default.',
        examples: ['acme.api.kandji.io', 'https://acme.api.eu.kandji.io'],
        order: 0,
        // Optional only because Subdomain can replace it: keep it out of the UI's collapsed optional fields.
        always_show: true,
      }),
    ),
    subdomain: Type.Optional(
      Type.String({
        title: 'Subdomain',
        description:
          "Instead of API URL: just the first label of your tenant's address, e.g. acme for acme.api.kandji.io. " +
          'Used with Region. If API URL is set too, the two must name the same tenant. No default.',
        examples: ['acme'],
        order: 1,
      }),
    ),
    region: Type.Optional(
      Type.Enum(['us', 'eu'], {
        type: 'string',
        title: 'Region',
        description:
          'Where the tenant is hosted, used with Subdomain (or a bare name in API URL): us → {subdomain}.api.kandji.io, ' +
          'eu → {subdomain}.api.eu.kandji.io. A full API URL names its region itself. Default: us.',
        default: 'us',
        order: 2,
      }),
    ),
    api_token: Type.String({
      title: 'API token',
      description:
        'An API token of the tenant (a UUID), from Settings → Access → API tokens. Give it the GET permissions of ' +
        'the streams you sync; `check` lists what is missing.',
      airbyte_secret: true,
      order: 3,
    }),
    start_date: Type.Optional(
      Type.String({
        title: 'Start date',
        description:
          'Where audit_events begins on its first sync; later syncs continue from the saved state. A UTC date or ' +
          `date-time. Default: ${START_DATE_DEFAULT_DAYS} days before the sync starts.`,
        // No `format`: the field takes a date or a date-time, and each format would reject the other.
        pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})?)?$',
        pattern_descriptor: 'YYYY-MM-DD or YYYY-MM-DDTHH:mm:ssZ',
        examples: ['2024-01-01', '2024-01-01T00:00:00Z'],
        order: 4,
      }),
    ),
    request_budget_share: Type.Optional(
      Type.Number({
        title: 'Request budget share',
        description:
          "Share of the tenant's hourly request limit (10,000 requests per hour, shared by every token and " +
          'integration of the tenant) this sync may use, from 0.01 to 1. Default: 0.5, i.e. 5,000 requests per hour.',
        default: 0.5,
        minimum: 0.01,
        maximum: 1,
        order: 5,
      }),
    ),
    max_concurrency: Type.Optional(
      Type.Integer({
        title: 'Max concurrency',
        description: 'Requests in flight at once, from 1 to 16. Default: 4.',
        default: 4,
        minimum: 1,
        maximum: 16,
        order: 6,
      }),
    ),
    request_timeout_seconds: Type.Optional(
      Type.Integer({
        title: 'Request timeout (seconds)',
        description:
          'Seconds to wait for a response to start, and between parts of it, before the request is retried; from 1 ' +
          'to 300. Default: 30.',
        default: 30,
        minimum: 1,
        maximum: 300,
        order: 7,
      }),
    ),
    device_details_max_per_sync: Type.Optional(
      Type.Integer({
        title: 'Device details per sync',
        description:
          'At most this many GET /devices/{id}/details calls (one request per device) per sync, from 0 to 100,000; ' +
          '0 reads no details. Fleets with more changed devices are refreshed in rolling slices over several ' +
          'syncs. Default: 2000.',
        default: 2000,
        minimum: 0,
        maximum: 100_000,
        order: 8,
      }),
    ),
    device_history_max_per_sync: Type.Optional(
      Type.Integer({
        title: 'Device histories per sync',
        description:
          'At most this many devices per sync for each of device_activity, device_commands, device_parameters and ' +
          'device_library_items ' +
          '(one request or more per device), from 0 to 100,000; 0 reads none. The devices that changed since the ' +
          'last sync are read in rolling slices, so a first read of a large fleet is spread over several syncs. ' +
          'Default: 500.',
        default: 500,
        minimum: 0,
        maximum: 100_000,
        order: 9,
      }),
    ),
    device_apps_source: Type.Optional(
      Type.Enum(['prism', 'per_device'], {
        type: 'string',
        title: 'Device apps source',
        description:
          'How device_apps is read. prism: the fleet-wide Prism apps list, one paged pass. per_device: ' +
          'GET /devices/{id}/apps, one request per device. With prism, the connector falls back to per_device when ' +
          'the token lacks the Prism permission. Default: prism.',
        default: 'prism',
        order: 10,
      }),
    ),
    lookback_minutes: Type.Optional(
      Type.Integer({
        title: 'Lookback (minutes)',
        description:
          'Time-filtered incremental reads (Prism, audit_events) start this many minutes before their bookmark, so ' +
          'that a row the API shows only after a sync with a time a little before that sync (ingestion lag) is still ' +
          'read by the next one; from 0 to 1440. The rows read twice are removed by primary key in the marts. ' +
          'Default: 15.',
        default: 15,
        minimum: 0,
        maximum: 1440,
        order: 11,
      }),
    ),
    prism_full_read_every_days: Type.Optional(
      Type.Integer({
        title: 'Prism full re-read (days)',
        description:
          'Each incremental Prism stream re-reads its whole category once every this many days, so that rows deleted ' +
          'on the tenant (an uninstalled app, a removed profile) drop out of the latest data; the categories take ' +
          'turns, each on its own day of the cycle, so no single sync pays for all of them. From 0 to 90; 0 never ' +
          're-reads in full. Default: 7.',
        default: 7,
        minimum: 0,
        maximum: 90,
        order: 12,
      }),
    ),
    tenant: Type.Optional(
      Type.String({
        title: 'Tenant',
        description:
          'A short name for this tenant, stamped on every record as tenant_id and part of every primary key, so the ' +
          "data of many tenants (an MSP's customers, an enterprise's several Kandji instances) can share one " +
          'destination and one set of marts. Lower-case letters, digits, - and _, up to 63 characters; it also names ' +
          "the tenant's folder under `sync --root`. Keep it stable: changing it changes every key. Default: the " +
          "tenant's subdomain (acme for acme.api.kandji.io); local for the simulator on loopback without a subdomain.",
        pattern: '^[a-z0-9](?:[a-z0-9_-]{0,61}[a-z0-9])?$',
        pattern_descriptor: 'a lower-case name like acme or acme-eu',
        examples: ['acme', 'acme-eu'],
        order: 13,
      }),
    ),
  },
  {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'Kandji Source Spec',
    // Unknown keys are allowed: Airbyte and users add their own (CAT drops keys starting with `_`).
    additionalProperties: true,
  },
);

/** A configuration as the user wrote it and the schema accepts it, before source/config.ts resolves it. */
export type Config = Static<typeof configSchema>;

/** Names of the fields marked `airbyte_secret`: never echoed, and redacted from all output (core/redact.ts). */
export const SECRET_FIELDS: readonly string[] = Object.entries(configSchema.properties)
  .filter(([, schema]) => (schema as { airbyte_secret?: unknown }).airbyte_secret === true)
  .map(([name]) => name);

/** The payload of the SPEC message (docs/airbyte-protocol.md §1.7), as `spec` prints it and `spec.json` holds it. */
export interface ConnectorSpecification {
  documentationUrl: string;
  connectionSpecification: Record<string, unknown>;
}

// Plain JSON: TypeBox keeps its own markers on schema objects as non-enumerable keys; this copy has none. `$schema`
// and `title` go first only so that spec.json reads top-down.
const { $schema, title, ...schemaBody } = JSON.parse(JSON.stringify(configSchema)) as Record<string, unknown>;

export const connectorSpecification: ConnectorSpecification = {
  documentationUrl: 'https://github.com/source-kandji/source-kandji#readme',
  connectionSpecification: { $schema, title, ...schemaBody },
  // protocol_version is left out, as the reference CDK does: it defaults to 0.2.0 and nothing requires more
  // (docs/airbyte-protocol.md §1.1).
};
