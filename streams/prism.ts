/** The Prism categories, one stream each, named as the category (kandji-api.md §6.10). */
import {
  application_firewall,
  device_information,
  filevault,
  gatekeeper_and_xprotect,
  installed_profiles,
  local_users,
  startup_settings,
} from '../schemas/prism.ts';
import type { StreamDeclaration } from './declaration.ts';

const prism = (name: string, description: string, schema: StreamDeclaration['schema'], primaryKey: string[][]) =>
  ({
    name,
    description,
    schema,
    primaryKey,
    cursorField: 'updated_at',
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
] as const;
