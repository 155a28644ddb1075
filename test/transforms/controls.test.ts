/**
 * Given → expected for the two controls evidenced by library items (the control mapping,
 * transforms/intermediate/int_control_evidence_evaluated.sql, and int_security_items_evidenced.sql): screen lock,
 * found by payload type and never by a profile's name, and EDR, found by the item type threat-security-policy.
 * One complete sync; each device shows one rule:
 *
 *   a  Mac     the passcode profile reports success (library_item_statuses)   EDR item ERROR, no EDR status
 *   b  Mac     the passcode profile failed (device_library_items)             EDR item PENDING, no EDR status
 *   c  iPhone  no profile or item evidence at all                             (EDR: Macs only)
 *   d  AppleTV nothing applies
 *   e  Mac     a passcode payload installed (Prism) though its item failed    EDR item PENDING with status enabled
 *   f  Mac     only the profile named "Screen Saver Lock", whose payload is Wi-Fi; its library items hold no EDR item
 *   g  Windows nothing applies
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTransform } from '../../transforms/run.ts';
import { query, writeRuns } from './helpers.ts';

const D1 = '2026-01-05T12:00:00.000Z';
const device = (device_id: string, platform: string) => ({
  device_id,
  device_name: device_id,
  platform,
  os_version: '1.0',
  blueprint_id: 'bp',
  blueprint_name: 'Standard',
  mdm_enabled: true,
  agent_installed: platform === 'Mac',
  is_missing: false,
  last_check_in: D1,
  user: null,
  tags: [],
});
/** A custom profile whose XML declares these payload types. */
const customProfile = (id: string, name: string, type: string) => ({
  id,
  item_type: 'custom_profile',
  name,
  profile: `<plist version="1.0"><dict><key>PayloadContent</key><array><dict><key>PayloadType</key>\n  <string>${type}</string></dict></array><key>PayloadDisplayName</key><string>${name}</string></dict></plist>`,
});
const item = (device_id: string, item_id: string, type: string, status: string, normalized: string | null, edr?: unknown) => ({
  device_id,
  item_id,
  type,
  status,
  status_normalized: normalized,
  ...(edr === undefined ? {} : { edr_status: edr }),
});

describe('the screen_lock and edr controls', () => {
  let dir: string;
  let db: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kandji-controls-'));
    writeRuns(dir, [
      {
        syncedAt: D1,
        status: 'complete',
        streams: {
          devices: {
            rows: [
              device('a', 'Mac'),
              device('b', 'Mac'),
              device('c', 'iPhone'),
              device('d', 'AppleTV'),
              device('e', 'Mac'),
              device('f', 'Mac'),
              device('g', 'Windows'),
            ],
          },
          // Names mislead on purpose: the passcode profile is called "Wi-Fi", the Wi-Fi one "Screen Saver Lock".
          library_items: {
            rows: [
              customProfile('lock', 'Wi-Fi', 'com.apple.mobiledevice.passwordpolicy'),
              customProfile('wifi', 'Screen Saver Lock', 'com.apple.wifi.managed'),
            ],
          },
          library_item_statuses: {
            rows: [
              { library_item_id: 'lock', device_id: 'a', status: 'success', status_normalized: 'pass' },
              { library_item_id: 'wifi', device_id: 'f', status: 'success', status_normalized: 'pass' },
            ],
          },
          device_library_items: {
            rows: [
              item('a', 'edr', 'threat-security-policy', 'ERROR', 'fail', null),
              item('b', 'lock', 'profile', 'failed', 'fail'),
              item('b', 'edr', 'threat-security-policy', 'PENDING', 'pending', null),
              item('e', 'lock', 'profile', 'failed', 'fail'),
              item('e', 'edr', 'threat-security-policy', 'PENDING', 'pending', { status: 'enabled', malware_posture: 'Protect' }),
              item('f', 'wifi', 'profile', 'success', 'pass'),
            ],
          },
          installed_profiles: {
            rows: [
              {
                device_id: 'e',
                payload_uuid: 'e-1',
                profile_display_name: 'Anything',
                profile_data: [{ type: 'com.apple.screensaver' }],
              },
            ],
          },
        },
      },
    ]);
    db = (await runTransform({ dataDir: dir })).dbPath;
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('control_evidence_daily: each rule, with the stream and run behind every pass or fail', async () => {
    const rows = await query(
      db,
      `select device_id, control, status, source_stream, run_id is not null as has_run
       from marts.control_evidence_daily where control in ('screen_lock', 'edr') order by device_id, control desc`,
    );
    const row = (device_id: string, control: string, status: string, source_stream: string) => ({
      device_id,
      control,
      status,
      source_stream,
      has_run: status === 'pass' || status === 'fail',
    });
    expect(rows).toEqual([
      row('a', 'screen_lock', 'pass', 'library_item_statuses'),
      row('a', 'edr', 'fail', 'device_library_items'),
      row('b', 'screen_lock', 'fail', 'device_library_items'),
      row('b', 'edr', 'unknown', 'device_library_items'),
      // No evidence: unknown, not a fail. EDR applies to Macs only.
      row('c', 'screen_lock', 'unknown', 'installed_profiles'),
      row('c', 'edr', 'not_applicable', 'device_library_items'),
      row('d', 'screen_lock', 'not_applicable', 'installed_profiles'),
      row('d', 'edr', 'not_applicable', 'device_library_items'),
      // Installed on the device beats the item's failed report; an enabled EDR status passes a pending item.
      row('e', 'screen_lock', 'pass', 'installed_profiles'),
      row('e', 'edr', 'pass', 'device_library_items'),
      // The profile named "Screen Saver Lock" carries no lock payload: no evidence. No EDR item in scope.
      row('f', 'screen_lock', 'unknown', 'installed_profiles'),
      row('f', 'edr', 'not_applicable', 'device_library_items'),
      row('g', 'screen_lock', 'not_applicable', 'installed_profiles'),
      row('g', 'edr', 'not_applicable', 'device_library_items'),
    ]);
  });

  it('compliance: an unknown control makes a device unknown, never non-compliant; a failing one non-compliant', async () => {
    const rows = await query(
      db,
      `select device_id, compliance_status, failing_checks, unknown_checks, screen_lock_ok, edr_ok
       from marts.compliance order by device_id`,
    );
    expect(rows).toEqual([
      {
        device_id: 'a',
        compliance_status: 'non_compliant',
        failing_checks: ['edr'],
        unknown_checks: expect.any(Array),
        screen_lock_ok: true,
        edr_ok: false,
      },
      {
        device_id: 'b',
        compliance_status: 'non_compliant',
        failing_checks: ['screen_lock'],
        unknown_checks: expect.arrayContaining(['edr']),
        screen_lock_ok: false,
        edr_ok: null,
      },
      {
        device_id: 'c',
        compliance_status: 'unknown',
        failing_checks: [],
        unknown_checks: ['screen_lock'],
        screen_lock_ok: null,
        edr_ok: null,
      },
      { device_id: 'd', compliance_status: 'compliant', failing_checks: [], unknown_checks: [], screen_lock_ok: null, edr_ok: null },
      {
        device_id: 'e',
        compliance_status: expect.any(String),
        failing_checks: [],
        unknown_checks: expect.not.arrayContaining(['screen_lock', 'edr']),
        screen_lock_ok: true,
        edr_ok: true,
      },
      {
        device_id: 'f',
        compliance_status: 'unknown',
        failing_checks: [],
        unknown_checks: expect.arrayContaining(['screen_lock']),
        screen_lock_ok: null,
        edr_ok: null,
      },
      { device_id: 'g', compliance_status: 'compliant', failing_checks: [], unknown_checks: [], screen_lock_ok: null, edr_ok: null },
    ]);
  });

  it('control_coverage counts the two controls like the others: in scope, passing, failing, unknown', async () => {
    const rows = await query(
      db,
      `select control, in_scope::integer as in_scope, passing::integer as passing, failing::integer as failing, unknown::integer as unknown
       from marts.control_coverage where control in ('screen_lock', 'edr') order by control`,
    );
    expect(rows).toEqual([
      { control: 'edr', in_scope: 3, passing: 1, failing: 1, unknown: 1 },
      { control: 'screen_lock', in_scope: 5, passing: 2, failing: 1, unknown: 2 },
    ]);
  });
});
