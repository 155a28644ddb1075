/**
 * Every stream the connector offers, in the order a sync reads them: fleet-wide endpoints first, the per-device
 * calls last (they use what the fleet-wide reads learned).
 */
import { auditEventsStream } from './audit_events.ts';
import { deviceAppsStream } from './device_apps.ts';
import { deviceDetailsStream } from './device_details.ts';
import { devicesStream } from './devices.ts';
import { deviceParametersStream } from './device_parameters.ts';
import { deviceLibraryItemsStream } from './device_library_items.ts';
import { deviceActivityStream, deviceCommandsStream } from './device_history.ts';
import { libraryItemStatusesStream } from './library_item_statuses.ts';
import { behavioralDetectionsStream, threatsStream } from './threats.ts';
import { vulnerabilitiesStream, vulnerabilityDetectionsStream } from './vulnerability_detections.ts';
import {
  adeDevicesStream,
  adeTokensStream,
  blueprintsStream,
  libraryItemsStream,
  licensingStream,
  tagsStream,
  usersStream,
} from './lists.ts';
import { prismStreams } from './prism.ts';
import { TENANT_FIELD } from '../schemas/schema.ts';
import type { StreamDeclaration } from './declaration.ts';

/**
 * A declaration as the connector offers it: its key led by `tenant_id`, which every record carries (the read stamps
 * it, schemas/schema.ts declares it), so records of many tenants never collide in one destination.
 */
function tenantScoped(stream: StreamDeclaration): StreamDeclaration {
  return {
    ...stream,
    primaryKey: [[TENANT_FIELD], ...stream.primaryKey],
    ...(stream.storageOrder ? { storageOrder: [TENANT_FIELD, ...stream.storageOrder] } : {}),
  };
}

export const STREAMS: readonly StreamDeclaration[] = [
  devicesStream,
  ...prismStreams,
  deviceAppsStream,
  blueprintsStream,
  libraryItemsStream,
  usersStream,
  tagsStream,
  licensingStream,
  adeTokensStream,
  adeDevicesStream,
  auditEventsStream,
  vulnerabilityDetectionsStream,
  vulnerabilitiesStream,
  threatsStream,
  behavioralDetectionsStream,
  libraryItemStatusesStream,
  deviceDetailsStream,
  deviceParametersStream,
  deviceLibraryItemsStream,
  deviceActivityStream,
  deviceCommandsStream,
].map(tenantScoped);

export function streamByName(name: string): StreamDeclaration | undefined {
  return STREAMS.find((s) => s.name === name);
}

export type { StreamDeclaration } from './declaration.ts';
