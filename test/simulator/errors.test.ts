/**
 * The gateway and error bodies (docs/kandji-api.md §3): Kong's 404 for unknown routes, 401 without a good token, 403 for a
 * token lacking the endpoint's permission, DRF and HTML 404s, 405, and 400 validation bodies.
 */
import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../simulator/routes.ts';
import { PERMISSION_NAMES as PERMISSIONS } from '../../core/permissions.ts';
import { get, useSimulator } from '../support/simulator.ts';
import { ok, UNLIMITED } from './helpers.ts';

/** One concrete path per route, for a tenant whose first device and first items are known at test time. */
async function examplePaths(sim: ReturnType<ReturnType<typeof useSimulator>>): Promise<Record<string, string>> {
  const device = (await ok(sim, '/api/v1/devices?limit=1'))[0].device_id;
  const mac = (await ok(sim, '/api/v1/devices?limit=1&platform=Mac'))[0].device_id;
  const first = async (list: string) => (await ok(sim, list)).results[0].id as string;
  const paths: Record<string, string> = {
    'GET /devices': '/api/v1/devices?limit=1',
    'GET /devices/{id}': `/api/v1/devices/${device}`,
    'GET /devices/{id}/details': `/api/v1/devices/${device}/details`,
    'GET /devices/{id}/apps': `/api/v1/devices/${device}/apps`,
    'GET /devices/{id}/library-items': `/api/v1/devices/${device}/library-items`,
    'GET /devices/{id}/secrets/{kind}': `/api/v1/devices/${device}/secrets/filevaultkey`,
    'GET /blueprints': '/api/v1/blueprints',
    'GET /blueprints/{id}': `/api/v1/blueprints/${await first('/api/v1/blueprints')}`,
    'GET /users': '/api/v1/users',
    'GET /users/{id}': `/api/v1/users/${await first('/api/v1/users')}`,
    'GET /audit/events': '/api/v1/audit/events?limit=1',
    'GET /prism/count': '/api/v1/prism/count?category=apps',
    'GET /prism/{category}': '/api/v1/prism/apps?limit=1',
    'GET /tags': '/api/v1/tags',
    'GET /settings/licensing': '/api/v1/settings/licensing',
    'GET /devices/{id}/activity': `/api/v1/devices/${mac}/activity`,
    'GET /devices/{id}/commands': `/api/v1/devices/${mac}/commands`,
    'GET /devices/{id}/parameters': `/api/v1/devices/${mac}/parameters`,
    'GET /library/library-items/{id}/status': `/api/v1/library/library-items/${await first('/api/v1/library/custom-profiles')}/status`,
    'GET /integrations/apple/ade': '/api/v1/integrations/apple/ade',
    'GET /integrations/apple/ade/devices': '/api/v1/integrations/apple/ade/devices',
    'GET /vulnerability-management/detections': '/api/v1/vulnerability-management/detections',
    'GET /vulnerability-management/vulnerabilities': '/api/v1/vulnerability-management/vulnerabilities',
    'GET /threat-details': '/api/v1/threat-details',
    'GET /behavioral-detections': '/api/v1/behavioral-detections',
  };
  for (const kind of ['custom-apps', 'ipa-apps', 'custom-profiles', 'custom-scripts']) {
    paths[`GET /library/${kind}`] = `/api/v1/library/${kind}`;
    paths[`GET /library/${kind}/{id}`] = `/api/v1/library/${kind}/${await first(`/api/v1/library/${kind}`)}`;
  }
  return paths;
}

describe('errors', () => {
  const sim = useSimulator({ devices: 100, seed: 4, ...UNLIMITED });

  describe('401', () => {
    it('answers a missing token with DRF’s message and WWW-Authenticate', async () => {
      const res = await get(sim(), '/api/v1/devices', null);
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ detail: 'Authentication credentials were not provided.' });
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
    });

    it('answers a wrong, malformed or revoked token with Invalid token', async () => {
      for (const token of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
        const res = await get(sim(), '/api/v1/devices', token);
        expect(res.status).toBe(401);
        expect(res.body).toEqual({ detail: 'Invalid token.' });
        expect(res.headers.get('www-authenticate')).toBe('Bearer');
      }
      const extra = sim().addToken([...PERMISSIONS]);
      expect((await get(sim(), '/api/v1/devices?limit=1', extra)).status).toBe(200);
      sim().revokeToken(extra);
      expect(await get(sim(), '/api/v1/devices?limit=1', extra)).toMatchObject({ status: 401, body: { detail: 'Invalid token.' } });
    });

    describe('a token revoked for a while', () => {
      const own = useSimulator({ devices: 20, seed: 5, ...UNLIMITED });

      it('is refused until the tenant clock has moved that long, then works again; the control endpoint does the same', async () => {
        const extra = own().addToken([...PERMISSIONS]);
        own().revokeToken(extra, { forHours: 24 });
        expect(await get(own(), '/api/v1/devices?limit=1', extra)).toMatchObject({ status: 401, body: { detail: 'Invalid token.' } });
        expect((await get(own(), '/api/v1/devices?limit=1')).status).toBe(200); // other tokens are untouched
        own().advance(23);
        expect((await get(own(), '/api/v1/devices?limit=1', extra)).status).toBe(401);
        own().advance(1);
        expect((await get(own(), '/api/v1/devices?limit=1', extra)).status).toBe(200);

        const control = await get(own(), '/_sim/revoke?hours=12', null);
        expect(control.body).toEqual({ revoked: true, until: new Date(own().tenant.now + 12 * 3_600_000).toISOString() });
        expect((await get(own(), '/api/v1/devices?limit=1')).status).toBe(401);
        own().advance(12);
        expect((await get(own(), '/api/v1/devices?limit=1')).status).toBe(200);
        expect((await get(own(), '/_sim/revoke?hours=-1', null)).status).toBe(400);
      });
    });

    it('treats an Authorization header that is not Bearer as no token', async () => {
      const res = await fetch(`${sim().url}/api/v1/devices`, { headers: { Authorization: `Token ${sim().token}` } });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ detail: 'Authentication credentials were not provided.' });
    });

    it('checks the token before the route: an unknown /api/v1 path without a token is 401', async () => {
      expect((await get(sim(), '/api/v1/nothing-here', null)).status).toBe(401);
    });
  });

  describe('403', () => {
    it('answers a token without the endpoint’s permission, and only that endpoint', async () => {
      const token = sim().addToken(['Device list']);
      expect((await get(sim(), '/api/v1/devices?limit=1', token)).status).toBe(200);
      const res = await get(sim(), '/api/v1/users', token);
      expect(res.status).toBe(403);
      expect(res.body).toEqual({ detail: 'You do not have permission to perform this action.' });
      expect(res.headers.get('x-ratelimit-limit-hour')).not.toBeNull();
    });

    it('enforces each route’s own permission', async () => {
      const paths = await examplePaths(sim());
      expect(Object.keys(paths).sort()).toEqual(ROUTES.map((r) => r.name).sort());
      for (const route of ROUTES) {
        const path = paths[route.name] as string;
        const only = sim().addToken([route.permission]);
        const allBut = sim().addToken(PERMISSIONS.filter((p) => p !== route.permission));
        expect((await get(sim(), path, only)).status, `${route.name} with ${route.permission}`).toBe(200);
        expect((await get(sim(), path, allBut)).status, `${route.name} without ${route.permission}`).toBe(403);
      }
    });

    it('grants nothing to a token created with no permissions', async () => {
      const none = sim().addToken([]);
      expect((await get(sim(), '/api/v1/devices?limit=1', none)).status).toBe(403);
      expect((await get(sim(), '/api/v1/settings/licensing', none)).status).toBe(403);
    });
  });

  describe('404', () => {
    it('answers an unknown device with {detail: "Not found."}', async () => {
      for (const suffix of ['', '/details', '/apps', '/library-items']) {
        const res = await get(sim(), `/api/v1/devices/00000000-0000-4000-8000-000000000000${suffix}`);
        expect(res.status).toBe(404);
        expect(res.body).toEqual({ detail: 'Not found.' });
      }
      expect(await get(sim(), '/api/v1/users/nobody')).toMatchObject({ status: 404, body: { detail: 'Not found.' } });
      expect(await get(sim(), '/api/v1/blueprints/00000000-0000-4000-8000-000000000000')).toMatchObject({
        status: 404,
        body: { detail: 'Not found.' },
      });
    });

    it('answers an unknown library item with Django’s HTML page', async () => {
      const res = await get(sim(), '/api/v1/library/custom-apps/00000000-0000-4000-8000-000000000000');
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.text).toContain('<h1>Not Found</h1>');
      expect(() => JSON.parse(res.text)).toThrow();
    });

    it('answers an unknown path under /api/v1 with {detail: "Not found."}', async () => {
      expect(await get(sim(), '/api/v1/nothing-here')).toMatchObject({ status: 404, body: { detail: 'Not found.' } });
    });

    it('answers a path outside /api/v1 with Kong’s body, before any token check', async () => {
      for (const path of ['/', '/api/v2/devices', '/devices']) {
        const res = await get(sim(), path, null);
        expect(res.status).toBe(404);
        expect(Object.keys(res.body).sort()).toEqual(['message', 'request_id']);
        expect(res.body.message).toBe('no Route matched with those values');
        expect(res.body.request_id).toMatch(/^[0-9a-f]{32}$/);
      }
    });
  });

  describe('405 and 400', () => {
    it('answers other methods with 405 and DRF’s message', async () => {
      for (const method of ['POST', 'DELETE', 'PATCH']) {
        const res = await fetch(`${sim().url}/api/v1/devices`, { method, headers: { Authorization: `Bearer ${sim().token}` } });
        expect(res.status).toBe(405);
        expect(await res.json()).toEqual({ detail: `Method "${method}" not allowed.` });
      }
    });

    it('answers a non-integer limit or page with a field error', async () => {
      expect(await get(sim(), '/api/v1/devices?limit=ten')).toMatchObject({
        status: 400,
        body: { limit: ['A valid integer is required.'] },
      });
      expect(await get(sim(), '/api/v1/devices?offset=-1')).toMatchObject({
        status: 400,
        body: { offset: ['A valid integer is required.'] },
      });
      expect(await get(sim(), '/api/v1/library/custom-apps?page=x')).toMatchObject({
        status: 400,
        body: { page: ['A valid integer is required.'] },
      });
      expect(await get(sim(), '/api/v1/prism/count')).toMatchObject({ status: 400, body: { category: ['This field is required.'] } });
    });
  });

  describe('every response', () => {
    it('carries JSON content type, Content-Length, Kong’s Via and the tenant’s Date', async () => {
      const res = await fetch(`${sim().url}/api/v1/tags`, { headers: { Authorization: `Bearer ${sim().token}` } });
      const text = await res.text();
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(text));
      expect(res.headers.get('via')).toMatch(/^kong\//);
      expect(res.headers.get('date')).toBe(new Date(sim().tenant.now).toUTCString());
    });

    it('counts requests per endpoint and status', async () => {
      sim().resetStats();
      await get(sim(), '/api/v1/tags');
      await get(sim(), '/api/v1/tags', null);
      await get(sim(), '/nowhere', null);
      const stats = sim().stats();
      expect(stats.requests).toBe(3);
      expect(stats.byEndpoint['GET /tags']).toEqual({ requests: 2, statuses: { '200': 1, '401': 1 }, faults: 0 });
      expect(stats.byEndpoint.unmatched).toEqual({ requests: 1, statuses: { '404': 1 }, faults: 0 });
      expect(sim().log.map((l) => [l.endpoint, l.status, l.token])).toEqual([
        ['GET /tags', 200, 'valid'],
        ['GET /tags', 401, 'missing'],
        ['unmatched', 404, 'missing'],
      ]);
    });
  });
});
