/** The Prism categories, one stream each, named as the category (docs/kandji-api.md §6.10). */
import {
  activation_lock,
  application_firewall,
  cellular,
  certificates,
  desktop_and_screensaver,
  kernel_extensions,
  launch_agents_and_daemons,
  transparency_database,
  device_information,
  filevault,
  gatekeeper_and_xprotect,
  installed_profiles,
  local_users,
  startup_settings,
  system_extensions,
} from '../schemas/prism.ts';
import type { StreamDeclaration } from './declaration.ts';

const prism = (name: string, description: string, schema: StreamDeclaration['schema'], primaryKey: string[][]) =>
  ({
    name,
    description,
    schema,
    primaryKey,
    cursor: { field: 'updated_at', filter: 'prism' },
    permission: 'Prism',
    plan: { kind: 'prism', category: name },
  }) satisfies StreamDeclaration;

export const prismStreams = [
  prism('device_information', 'Fleet-wide device inventory: OS, model, enrollment, check-in (Prism).', device_information, [['device_id']]),
  prism('filevault', 'FileVault status and key escrow per Mac (Prism).', filevault, [['device_id']]),
  prism('gatekeeper_and_xprotect', 'Gatekeeper and XProtect per Mac (Prism).', gatekeeper_and_xprotect, [['device_id']]),
  prism('startup_settings', 'SIP, secure boot and bootstrap token per Mac (Prism).', startup_settings, [['device_id']]),
  prism('application_firewall', 'Application firewall settings per Mac (Prism).', application_firewall, [['device_id']]),
  prism('installed_profiles', 'Configuration profiles installed per device (Prism).', installed_profiles, [
    ['device_id'],
    ['payload_uuid'],
  ]),
  prism('local_users', 'Local user accounts per Mac (Prism).', local_users, [['device_id'], ['generated_uid']]),
  prism('system_extensions', 'System extensions per Mac, their state and team (Prism).', system_extensions, [
    ['device_id'],
    ['identifier'],
  ]),
  prism('activation_lock', 'Activation Lock per device (Prism; columns UNCONFIRMED, kept as they come).', activation_lock, [['device_id']]),
  prism('cellular', 'Cellular carrier, SIM slots and roaming per iPhone (Prism).', cellular, [['device_id']]),
  prism('certificates', 'Certificates installed per device (Prism).', certificates, [['device_id'], ['common_name']]),
  prism(
    'desktop_and_screensaver',
    'Desktop and screen saver settings per Mac (Prism; columns UNCONFIRMED, kept as they come).',
    desktop_and_screensaver,
    [['device_id']],
  ),
  // The example is empty: the key's second column is UNCONFIRMED.
  prism('kernel_extensions', 'Kernel extensions per Mac (Prism; columns UNCONFIRMED).', kernel_extensions, [['device_id'], ['identifier']]),
  prism('launch_agents_and_daemons', 'Launch agents and daemons per Mac (Prism).', launch_agents_and_daemons, [['device_id'], ['label']]),
  prism('transparency_database', 'Privacy (TCC) permissions per Mac, app and local user (Prism).', transparency_database, [
    ['device_id'],
    ['service'],
    ['application'],
    ['local_user'],
  ]),
] as const;
