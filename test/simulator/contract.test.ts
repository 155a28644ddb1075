/**
 * Contract: every body the simulator serves has the keys and JSON types of the saved example responses in
 * test/fixtures/reference/kandji-openapi/ (openapi.json and Kandji's Postman collection), recursively, with the documented
 * quirks as an explicit table of allowances below. A finding here means the simulator drifted from the reference:
 * fix the simulator, or, when the reference documents the difference, add an allowance that cites it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { LIBRARY_SIZES } from '../../simulator/bodies.ts';
import { PRISM_CATEGORIES } from '../../simulator/prism.ts';
import { ROUTES } from '../../simulator/routes.ts';
import type { Simulator } from '../../simulator/server.ts';
import { useSimulator } from '../support/simulator.ts';
import { allDevices, ok, UNLIMITED } from './helpers.ts';
import { compareShape, distinct, oasExample, postmanExample, type Allowance } from './reference.ts';

// ---------------------------------------------------------------------------------------------------------------------
// Allowances, per endpoint. Each names the key path (dots for keys, `[]` for array elements, from the body's root)
// and where docs/kandji-api.md documents the difference. Nothing else may differ; an allowance no case needs fails the
// last test, so the table cannot go stale.

const deviceRecord = (at: string): Allowance[] => [
  { path: `${at}user`, allow: 'types', types: ['object', 'string'], why: '§6.1: `user` is an object, or "" when no user is assigned' },
  { path: `${at}tags`, allow: 'missing', why: '§6.1: `tags` is missing from older (2022) payloads' },
  { path: `${at}lost_mode_status`, allow: 'missing', why: '§6.1: `lost_mode_status` is missing from older payloads' },
  {
    path: `${at}external_token`,
    allow: 'extra',
    why: '§7.11: a record type can gain keys (external_token came with Android/Windows); the simulator sends one on a few records',
  },
];

/** Columns the device_information example itself shows null (no agent, not a Mac). */
function deviceInformationNulls(columns: string[]): Allowance[] {
  return columns.map((c) => ({
    path: `data[].${c}`,
    allow: 'empty',
    why: `§6.10: null in the device_information example, whose columns these are`,
  }));
}

const PRISM_ENVELOPE: Allowance[] = [
  { path: 'offset', allow: 'types', types: ['null', 'number'], why: '§6.10: `offset` is `int|null`; the examples show both null and 0' },
];

const ALLOWANCES: Record<string, Allowance[]> = {
  'GET /devices/{id}/activity': [
    { path: 'activity.results[].details.blueprint_name', allow: 'missing', why: "§7.11: an activity entry's details depend on its type" },
    { path: 'activity.results[].details.enrollment_type', allow: 'missing', why: "§7.11: an activity entry's details depend on its type" },
    { path: 'activity.results[].details.command_type', allow: 'extra', why: "§7.11: a command entry's details name the command" },
    { path: 'activity.results[].external_token', allow: 'extra', why: '§7.11: records gain keys over time (external_token)' },
  ],
  'GET /devices/{id}/commands': [],
  'GET /devices/{id}/parameters': [],
  'GET /library/library-items/{id}/status': [
    { path: 'results[].type', allow: 'extra', why: "§7.11: a status row may name its item's type; records gain keys over time" },
  ],
  'GET /integrations/apple/ade': [],
  'GET /integrations/apple/ade/devices': [
    { path: 'results[].blueprint', allow: 'types', types: ['object', 'string'], why: '§7.11: the blueprint as an object, or its id' },
    { path: 'results[].user', allow: 'empty', why: '§7.6: a device bought but not yet assigned has no user' },
    { path: 'results[].user_id', allow: 'empty', why: '§7.6: a device bought but not yet assigned has no user' },
  ],
  'GET /vulnerability-management/detections': [
    // Both spellings seen in the wild (the connector reads either): the simulator sends the older one on some pages.
    { path: 'results[].cve_description', allow: 'missing', why: '§7.11: older detections spell it `description`' },
    { path: 'results[].cvss_severity', allow: 'missing', why: '§7.11: older detections spell it `severity`' },
    { path: 'results[].first_detection_date', allow: 'missing', why: '§7.11: older detections carry one `detection_datetime`' },
    { path: 'results[].latest_detection_date', allow: 'missing', why: '§7.11: older detections carry one `detection_datetime`' },
    { path: 'results[].description', allow: 'extra', why: '§7.11: the older spelling of `cve_description`' },
    { path: 'results[].severity', allow: 'extra', why: '§7.11: the older spelling of `cvss_severity`' },
    { path: 'results[].detection_datetime', allow: 'extra', why: '§7.11: the older single detection time' },
  ],
  'GET /vulnerability-management/vulnerabilities': [
    { path: 'page', allow: 'extra', why: '§6.11: this list pages by page number (style G) and says which page it is' },
  ],
  'GET /threat-details': [
    ...['bundle_path', 'date_of_quarantine', 'date_of_release', 'release_note', 'released_by'].map(
      (c): Allowance => ({
        path: `results[].${c}`,
        allow: 'types',
        types: ['null'],
        why: '§7.6: null until the threat is quarantined or released',
      }),
    ),
  ],
  'GET /behavioral-detections': [
    { path: 'results[].parent_process.sha256', allow: 'empty', why: '§7.6: not every process has a known hash' },
    { path: 'results[].target_process.command_line', allow: 'empty', why: '§7.6: not every process reports its command line' },
    { path: 'results[].target_process.image_path', allow: 'empty', why: '§7.6: not every process reports its image path' },
    { path: 'results[].rule_version', allow: 'types', types: ['number', 'string'], why: '§7.7: numbers sometimes come as strings' },
  ],
  'GET /devices': deviceRecord('[].'),
  'GET /devices/{id}': [
    // None of the single-device examples has `lost_mode_status`, so it is never missing against them, only extra.
    ...deviceRecord('').filter((a) => a.path !== 'lost_mode_status'),
    { path: 'lost_mode_status', allow: 'extra', why: '§6.1: documented on the record; the single-device examples lack it' },
  ],
  'GET /devices/{id}/details': [
    {
      path: 'general.assigned_user',
      allow: 'types',
      types: ['object', 'string'],
      why: '§6.3: `assigned_user` is an object or "" (null on Android)',
    },
    { path: 'lost_mode', allow: 'empty', why: '§6.3: `lost_mode` is `{}` unless the device is in Lost Mode' },
    {
      path: 'apple_business_manager',
      allow: 'empty',
      why: '§6.3: `apple_business_manager` is `{}` for devices not from Apple Business Manager',
    },
    { path: 'recovery_information.password_rotation_scheduled', allow: 'empty', why: '§6.3: `ts:T1?`, null when no rotation is scheduled' },
    {
      path: 'recovery_information.password_has_been_set',
      allow: 'extra',
      why: '§6.3: `password_has_been_set` (2024); the lost-mode example is from 2022 and lacks it',
    },
  ],
  'GET /devices/{id}/apps': [],
  'GET /devices/{id}/library-items': [
    { path: 'library_items[].edr_status', allow: 'missing', why: '§6.5: `edr_status?` is only on threat-security-policy items' },
    {
      path: 'library_items[].edr_status',
      allow: 'extra',
      why: "§6.5: a Mac's EDR item (threat-security-policy) carries `edr_status`; the Postman example lists profiles only",
    },
  ],
  'GET /blueprints': [
    { path: 'results[].missing_computers_count', allow: 'extra', why: '§6.6: `missing_computers_count` (seen in the PATCH response)' },
  ],
  'GET /blueprints/{id}': [
    { path: 'missing_computers_count', allow: 'extra', why: '§6.6: `missing_computers_count` (seen in the PATCH response)' },
  ],
  'GET /users': [],
  'GET /users/{id}': [],
  'GET /audit/events': [
    {
      path: 'results[].new_state',
      allow: 'opaque',
      types: ['object', 'null'],
      why: "§6.9: `new_state` is `object?`; its keys depend on the event's target",
    },
  ],
  'GET /tags': [],
  'GET /settings/licensing': [],
  'GET /prism/count': [],
  'GET /library/custom-apps': [
    { path: 'results[].sha256', allow: 'extra', why: '§6.7: custom-apps records carry `sha256?`' },
    { path: 'results[].self_service_category_id', allow: 'extra', why: '§6.7: `self_service_category_id?`' },
    { path: 'results[].self_service_recommended', allow: 'extra', why: '§6.7: `self_service_recommended?`' },
  ],
  'GET /library/custom-apps/{id}': [
    { path: 'sha256', allow: 'extra', why: '§6.7: custom-apps records carry `sha256?`' },
    { path: 'self_service_category_id', allow: 'extra', why: '§6.7: `self_service_category_id?`' },
    { path: 'self_service_recommended', allow: 'extra', why: '§6.7: `self_service_recommended?`' },
  ],
  'GET /library/ipa-apps': [],
  'GET /library/ipa-apps/{id}': [],
  'GET /library/custom-profiles': [],
  'GET /library/custom-profiles/{id}': [],
  'GET /library/custom-scripts': [
    { path: 'results[].show_in_self_service', allow: 'extra', why: '§6.7: `show_in_self_service` (in the PATCH examples)' },
  ],
  'GET /library/custom-scripts/{id}': [
    { path: 'show_in_self_service', allow: 'extra', why: '§6.7: `show_in_self_service` (in the PATCH examples)' },
  ],
  'GET /prism/device_information': [
    ...PRISM_ENVELOPE,
    {
      path: 'data[].marketing_name',
      allow: 'empty',
      why: '§7.6: macOS release names only; iPhone, iPad and tvOS rows have no value (the example is a Mac row)',
    },
  ],
  'GET /prism/apps': [
    ...PRISM_ENVELOPE,
    { path: 'data[].path', allow: 'empty', why: '§7.6: iPhone and iPad apps have no bundle path (the example is a Mac row)' },
    { path: 'data[].compiler', allow: 'empty', why: '§7.6: iPhone and iPad rows report no compiler (the example is a Mac row)' },
  ],
  'GET /prism/filevault': PRISM_ENVELOPE,
  'GET /prism/gatekeeper_and_xprotect': PRISM_ENVELOPE,
  'GET /prism/startup_settings': PRISM_ENVELOPE,
  'GET /prism/application_firewall': PRISM_ENVELOPE,
  'GET /prism/installed_profiles': PRISM_ENVELOPE,
  'GET /prism/local_users': PRISM_ENVELOPE,
  // These two examples repeat device_information's columns (§6.10) with a Mac agent row's values; the device_information
  // example shows the same columns null on a row without the agent, and iPhone, iPad and tvOS rows have no Mac values.
  'GET /prism/activation_lock': [
    ...PRISM_ENVELOPE,
    { path: 'data[].marketing_name', allow: 'empty', why: '§7.6: macOS release names only; iPhone, iPad and tvOS rows have no value' },
    ...deviceInformationNulls(['agent_installed', 'agent_version', 'apple_silicon', 'host_name', 'local_hostname', 'last_checkin_agent']),
  ],
  'GET /prism/desktop_and_screensaver': [...PRISM_ENVELOPE, ...deviceInformationNulls(['last_checkin_agent'])],
  'GET /prism/cellular': PRISM_ENVELOPE,
  'GET /prism/certificates': PRISM_ENVELOPE,
  'GET /prism/kernel_extensions': PRISM_ENVELOPE,
  'GET /prism/launch_agents_and_daemons': PRISM_ENVELOPE,
  'GET /prism/system_extensions': PRISM_ENVELOPE,
  'GET /prism/transparency_database': PRISM_ENVELOPE,
};

// ---------------------------------------------------------------------------------------------------------------------
// Cases: which simulator bodies to hold against which example.

interface Fleet {
  devices: any[];
  /** Up to `n` devices of a platform spread over the fleet, plus its odd ones: legacy, extra key, unassigned, lost. */
  sample(platform: string, n?: number): any[];
}

interface Case {
  endpoint: string;
  example: string;
  ref: () => unknown;
  paths: (fleet: Fleet, sim: Simulator) => Promise<string[]> | string[];
}

const oas = (endpoint: string, apiPath: string, paths: Case['paths']): Case => ({
  endpoint,
  example: `openapi.json ${apiPath}`,
  ref: () => oasExample(apiPath),
  paths,
});
const pm = (endpoint: string, request: string, name: string, paths: Case['paths']): Case => ({
  endpoint,
  example: `postman "${name}"`,
  ref: () => postmanExample(request, name),
  paths,
});

const perDevice = (platform: string, suffix: string) => (fleet: Fleet) =>
  fleet.sample(platform).map((d) => `/api/v1/devices/${d.device_id}${suffix}`);
const lostDevices = (fleet: Fleet) =>
  fleet.devices.filter((d) => d.lost_mode_status === 'ENABLED').map((d) => `/api/v1/devices/${d.device_id}/details`);
const firstOf = async (sim: Simulator, list: string, field = 'id') =>
  ((await ok(sim, list)).results as any[]).slice(0, 5).map((r) => `${list.replace(/\?.*$/, '')}/${r[field]}`);

/** The Prism categories and library kinds the simulator serves; each has a saved example. */
const PRISM: readonly string[] = PRISM_CATEGORIES;
const LIBRARY = Object.keys(LIBRARY_SIZES);

const CASES: Case[] = [
  // A full page of 300 devices: every platform, legacy payloads, unassigned users, the extra key.
  oas('GET /devices', '/api/v1/devices', () => ['/api/v1/devices?limit=300']),
  pm('GET /devices', 'devices', 'List Devices', () => ['/api/v1/devices?limit=300']),
  pm('GET /devices', 'devices', 'List Mac only', () => ['/api/v1/devices?limit=300&platform=Mac']),
  pm('GET /devices', 'devices', 'List iPhone only', () => ['/api/v1/devices?limit=300&platform=iPhone']),
  pm('GET /devices', 'devices', 'List iPad only', () => ['/api/v1/devices?limit=300&platform=iPad']),
  // ("Query for specific serial number" shows a single object, not an array: a doc error per §6.1, not a contract.)
  oas('GET /devices/{id}', '/api/v1/devices/{device_id}', perDevice('iPad', '')),
  pm('GET /devices/{id}', 'devices/{device_id}', 'Get Mac', perDevice('Mac', '')),
  pm('GET /devices/{id}', 'devices/{device_id}', 'Get iPad', perDevice('iPad', '')),
  oas('GET /devices/{id}/details', '/api/v1/devices/{device_id}/details', perDevice('iPad', '/details')),
  pm('GET /devices/{id}/details', 'devices/{device_id}/details', 'Get Mac details', perDevice('Mac', '/details')),
  pm('GET /devices/{id}/details', 'devices/{device_id}/details', 'Get iPad details', perDevice('iPad', '/details')),
  pm('GET /devices/{id}/details', 'devices/{device_id}/details', 'Get iPad details', perDevice('iPhone', '/details')),
  pm('GET /devices/{id}/details', 'devices/{device_id}/details', 'Get AppleTV details', perDevice('AppleTV', '/details')),
  pm('GET /devices/{id}/details', 'devices/{device_id}/details', 'iPhone or iPad in Lost mode', lostDevices),
  oas('GET /devices/{id}/apps', '/api/v1/devices/{device_id}/apps', perDevice('iPhone', '/apps')),
  pm('GET /devices/{id}/apps', 'devices/{device_id}/apps', 'Mac apps', perDevice('Mac', '/apps')),
  pm('GET /devices/{id}/apps', 'devices/{device_id}/apps', 'iPad apps', perDevice('iPad', '/apps')),
  pm('GET /devices/{id}/library-items', 'devices/{device_id}/library-items', 'success', perDevice('Mac', '/library-items')),
  oas('GET /devices/{id}/library-items', '/api/v1/devices/{device_id}/library-items', perDevice('iPad', '/library-items')),
  oas('GET /blueprints', '/api/v1/blueprints', () => ['/api/v1/blueprints?limit=1000']),
  oas('GET /blueprints/{id}', '/api/v1/blueprints/{blueprint_id}', (_f, sim) => firstOf(sim, '/api/v1/blueprints?limit=1000')),
  oas('GET /users', '/api/v1/users', () => ['/api/v1/users']),
  oas('GET /users/{id}', '/api/v1/users/{user_id}', (_f, sim) => firstOf(sim, '/api/v1/users')),
  oas('GET /audit/events', '/api/v1/audit/events', () => ['/api/v1/audit/events?limit=500&sort_by=-occurred_at']),
  oas('GET /tags', '/api/v1/tags', () => ['/api/v1/tags']),
  oas('GET /settings/licensing', '/api/v1/settings/licensing', () => ['/api/v1/settings/licensing']),
  // The later streams' endpoints (activity, commands, parameters, statuses, ADE, vulnerabilities, threats).
  oas('GET /devices/{id}/activity', '/api/v1/devices/{device_id}/activity', perDevice('Mac', '/activity')),
  oas('GET /devices/{id}/commands', '/api/v1/devices/{device_id}/commands', perDevice('Mac', '/commands')),
  oas('GET /devices/{id}/parameters', '/api/v1/devices/{device_id}/parameters', perDevice('Mac', '/parameters')),
  pm('GET /library/library-items/{id}/status', 'library/library-items/{library_item_id}/status', 'success', async (_f, sim) =>
    (await firstOf(sim, '/api/v1/library/custom-profiles')).map((path) => `${path.replace('/custom-profiles/', '/library-items/')}/status`),
  ),
  pm('GET /integrations/apple/ade', 'integrations/apple/ade', 'List integrations', () => ['/api/v1/integrations/apple/ade']),
  oas('GET /integrations/apple/ade/devices', '/api/v1/integrations/apple/ade/devices', () => ['/api/v1/integrations/apple/ade/devices']),
  oas('GET /vulnerability-management/detections', '/api/v1/vulnerability-management/detections', () => [
    '/api/v1/vulnerability-management/detections',
  ]),
  oas('GET /vulnerability-management/vulnerabilities', '/api/v1/vulnerability-management/vulnerabilities', () => [
    '/api/v1/vulnerability-management/vulnerabilities?size=50',
  ]),
  oas('GET /threat-details', '/api/v1/threat-details', () => ['/api/v1/threat-details']),
  oas('GET /behavioral-detections', '/api/v1/behavioral-detections', () => ['/api/v1/behavioral-detections']),
  oas('GET /prism/count', '/api/v1/prism/count', () => PRISM.map((c) => `/api/v1/prism/count?category=${c}`)),
  ...PRISM.map((c) => oas(`GET /prism/${c}`, `/api/v1/prism/${c}`, () => [`/api/v1/prism/${c}?limit=300`])),
  // The OpenAPI description has no library lists; Kandji's Postman collection does.
  ...LIBRARY.flatMap((k) => [
    pm(`GET /library/${k}`, `library/${k}`, 'success', () => [`/api/v1/library/${k}`]),
    pm(`GET /library/${k}/{id}`, `library/${k}/{library_item_id}`, 'success', (_f, sim) => firstOf(sim, `/api/v1/library/${k}`)),
  ]),
];

describe('contract: simulator bodies against the saved examples', () => {
  const sim = useSimulator({ devices: 1000, seed: 11, ...UNLIMITED });
  let fleet: Fleet;
  const used = new Set<Allowance>();

  beforeAll(async () => {
    const devices = (await allDevices(sim())).records;
    fleet = {
      devices,
      sample(platform, n = 20) {
        const of = devices.filter((d) => d.platform === platform);
        const step = Math.max(1, Math.floor(of.length / n));
        const spread = of.filter((_, i) => i % step === 0).slice(0, n);
        const odd = [
          (d: any) => !('tags' in d),
          (d: any) => 'external_token' in d,
          (d: any) => d.user === '',
          (d: any) => d.lost_mode_status === 'ENABLED',
        ];
        for (const test of odd) {
          const found = of.find(test);
          if (found && !spread.includes(found)) spread.push(found);
        }
        return spread;
      },
    };
  });

  it.each(CASES.map((c) => [`${c.endpoint} — ${c.example}`, c] as const))('%s', async (_label, c) => {
    const allowances = ALLOWANCES[c.endpoint];
    expect(allowances, `no allowance table for ${c.endpoint}`).toBeDefined();
    const ref = c.ref();
    const paths = await c.paths(fleet, sim());
    expect(paths.length).toBeGreaterThan(0);
    const findings = [];
    for (const path of paths) findings.push(...compareShape(await ok(sim(), path), ref, allowances ?? [], '', used));
    expect(distinct(findings)).toEqual([]);
  });

  it('needs every allowance in the table', () => {
    const unused = Object.entries(ALLOWANCES).flatMap(([endpoint, list]) =>
      list.filter((a) => !used.has(a)).map((a) => `${endpoint} ${a.path} (${a.allow})`),
    );
    expect(unused).toEqual([]);
  });

  it('covers every GET route the simulator serves, except the secrets', () => {
    const endpoints = new Set(CASES.map((c) => c.endpoint.replace(/^GET \/prism\/(?!count)\w+$/, 'GET /prism/{category}')));
    // Secrets are not read by a sync (docs/kandji-api.md §6.5); their examples are one-key objects.
    const served = ROUTES.map((r) => r.name).filter((n) => !n.includes('/secrets/'));
    expect(served.filter((n) => !endpoints.has(n))).toEqual([]);
  });
});
