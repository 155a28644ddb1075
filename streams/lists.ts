/** Fleet-wide lists read in full every sync: blueprints, library items, users, tags. */
import { blueprints } from '../schemas/blueprints.ts';
import { library_items } from '../schemas/library_items.ts';
import { tags } from '../schemas/tags.ts';
import { users } from '../schemas/users.ts';
import { ade_devices, ade_tokens } from '../schemas/ade.ts';
import { licensing } from '../schemas/licensing.ts';
import { followNext, wholeObject } from '../core/http/paginators.ts';
import type { StreamDeclaration } from './declaration.ts';

export const blueprintsStream = {
  name: 'blueprints',
  description: 'Blueprints (GET /blueprints).',
  schema: blueprints,
  primaryKey: [['id']],
  permission: 'Blueprints',
  plan: {
    kind: 'list',
    // Up to 1000 a page (docs/kandji-api.md §6.6): one request for almost every tenant.
    requests: [
      {
        path: '/blueprints',
        endpoint: 'GET /blueprints',
        paginator: () => followNext({ style: 'limit/offset envelope', first: { limit: 1000, offset: 0 } }),
      },
    ],
  },
} satisfies StreamDeclaration;

const library = (path: string, itemType: string) => ({
  path: `/library/${path}`,
  endpoint: `GET /library/${path}`,
  // custom-apps and ipa-apps take limit ≤ 300; the profile and script lists page by `page` alone.
  paginator: () => followNext({ style: 'page envelope', first: path.endsWith('apps') ? { limit: 300 } : {} }),
  tag: { item_type: itemType },
});

export const libraryItemsStream = {
  name: 'library_items',
  description: 'Library items of every listable kind: custom apps, in-house apps, custom profiles, custom scripts.',
  schema: library_items,
  primaryKey: [['id']],
  permission: 'Library items',
  plan: {
    kind: 'list',
    // library_item_statuses reads each item's statuses; an item's status changes without its updated_at moving.
    children: { id: 'id', changedAt: 'updated_at' },
    requests: [
      library('custom-apps', 'custom_app'),
      library('ipa-apps', 'ipa_app'),
      library('custom-profiles', 'custom_profile'),
      library('custom-scripts', 'custom_script'),
    ],
  },
} satisfies StreamDeclaration;

export const usersStream = {
  name: 'users',
  description: 'Directory-integration users (GET /users), with department and job title.',
  schema: users,
  primaryKey: [['id']],
  permission: 'Users',
  plan: {
    kind: 'list',
    // Cursor pages of 300; `next` points at the console host, which the client rebuilds on the API host.
    requests: [{ path: '/users', endpoint: 'GET /users', paginator: () => followNext({ style: 'cursor envelope', first: {} }) }],
  },
} satisfies StreamDeclaration;

export const tagsStream = {
  name: 'tags',
  description: 'Device tags (GET /tags).',
  schema: tags,
  primaryKey: [['id']],
  permission: 'Tags',
  plan: {
    kind: 'list',
    requests: [{ path: '/tags', endpoint: 'GET /tags', paginator: () => followNext({ style: 'page envelope', first: {} }) }],
  },
} satisfies StreamDeclaration;

export const licensingStream = {
  name: 'licensing',
  description: "The tenant's licence counts and limits (GET /settings/licensing), one row per sync.",
  schema: licensing,
  primaryKey: [['id']],
  permission: 'Licensing',
  plan: {
    kind: 'list',
    requests: [{ path: '/settings/licensing', endpoint: 'GET /settings/licensing', paginator: wholeObject, tag: { id: 'licensing' } }],
  },
} satisfies StreamDeclaration;

export const adeTokensStream = {
  name: 'ade_tokens',
  description: 'Automated Device Enrollment tokens (GET /integrations/apple/ade): expiry (days_left) and status.',
  schema: ade_tokens,
  primaryKey: [['id']],
  permission: 'Automated Device Enrollment',
  plan: {
    kind: 'list',
    requests: [
      {
        path: '/integrations/apple/ade',
        endpoint: 'GET /integrations/apple/ade',
        paginator: () => followNext({ style: 'page envelope', first: {} }),
      },
    ],
  },
} satisfies StreamDeclaration;

export const adeDevicesStream = {
  name: 'ade_devices',
  description:
    'Devices assigned to the tenant in Apple Business Manager (GET /integrations/apple/ade/devices); mdm_device is null until one enrols.',
  schema: ade_devices,
  primaryKey: [['id']],
  permission: 'Automated Device Enrollment',
  plan: {
    kind: 'list',
    // 300 a page, by `page`.
    requests: [
      {
        path: '/integrations/apple/ade/devices',
        endpoint: 'GET /integrations/apple/ade/devices',
        paginator: () => followNext({ style: 'page envelope', first: {} }),
      },
    ],
  },
} satisfies StreamDeclaration;
