/**
 * The simulated tenant's state: what devices, users and apps exist at the tenant's current clock.
 *
 * Memory stays flat in the fleet size. A device's starting attributes are a pure function of (seed, index)
 * (see `baseDevice`); only what `advance()` changes is stored, as a sparse list of change events per device. A 100,000
 * device tenant therefore holds a few typed arrays and the changes made since it started, not 100,000 objects.
 */
import { between, chance, hash, pick, serial, unit, uuid, uuidHead, weighted } from './random.ts';
import { DAY, HOUR } from './timestamps.ts';
import {
  APPS,
  BLUEPRINTS,
  DEPARTMENTS,
  FIRST_NAMES,
  LAST_NAMES,
  MODELS,
  OS_RELEASES,
  PROFILE_NAMES,
  SCREEN_LOCK_PROFILE,
  TAGS,
  type Model,
  type Platform,
} from './vocabulary.ts';

export interface TenantOptions {
  /** Devices enrolled when the tenant starts (1–100,000). */
  devices: number;
  /** Seed for every generated value. Same seed, same tenant, byte for byte. */
  seed: number;
  /** The tenant's clock at start, ms since epoch. Default 2026-01-05T12:00:00Z: fixed, so responses are reproducible. */
  epoch?: number;
  /** The tenant's subdomain, used in console-host `next` links (a real quirk). Default `accuhive`. */
  subdomain?: string;
  /** Also enroll Windows and Android devices (Kandji's newer platforms). Default false. */
  windowsAndAndroid?: boolean;
  /** Share of devices whose inventory changes per simulated day. Default 0.05. */
  dailyChangeRate?: number;
  /**
   * Prism's ingestion lag, in minutes: a row shows in /prism only this long after its `updated_at`, so a sync can
   * miss a row whose time lies a little before the sync's start. Default 0. Settable later as `prismLagMs`.
   */
  prismLagMinutes?: number;
  /**
   * The add-on modules the tenant has bought; default both. Without one, its endpoints answer 403 to every token,
   * as for a token without the permission.
   */
  addOns?: { vulnerabilityManagement?: boolean; edr?: boolean };
}

export { DEFAULT_EPOCH } from './epoch.ts';
import { DEFAULT_EPOCH } from './epoch.ts';

/** What a change event touches; `device` touches every Prism category (name, blueprint and user columns). */
/** `user` (reassignment: value is the user index, -1 unassigned) is never random: only scheduleChange() makes one. */
export type ChangeKind = 'os' | 'app' | 'filevault' | 'firewall' | 'blueprint' | 'profile' | 'local_user' | 'gatekeeper' | 'user';

export interface DeviceChange {
  at: number;
  kind: ChangeKind;
  /** Kind-specific operand: an app or profile index, a blueprint index, 0/1 for toggles. */
  value: number;
}

/** The effective attributes of one device at the tenant's clock. */
export interface Device {
  index: number;
  id: string;
  platform: Platform;
  model: Model;
  serial: string;
  name: string;
  /** Index into the tenant's users, or -1 when unassigned. */
  user: number;
  blueprint: number;
  osIndex: number;
  enrolledAt: number;
  lastEnrolledAt: number;
  lastCheckIn: number;
  missing: boolean;
  removedFlag: boolean;
  mdmEnabled: boolean;
  agentInstalled: boolean;
  agentVersion: string;
  filevault: boolean;
  filevaultEscrowed: boolean;
  firewall: boolean;
  gatekeeper: boolean;
  sip: boolean;
  diskUsedPercent: number;
  lostMode: boolean;
  assetTag: string;
  tags: string[];
  /** Pre-2023 payloads lack `tags` and `lost_mode_status` (docs/kandji-api.md §6.1). */
  legacyShape: boolean;
  /** Carries a key the connector's schema has never heard of (quirk 11). */
  extraField: boolean;
  /** Catalog indices of installed apps, with the number of updates each has had. */
  apps: Map<number, number>;
  profiles: number[];
  localUsers: number;
  /** When each Prism category of this device last changed (the row's `updated_at`). */
  changedAt: Record<ChangeKind | 'base', number>;
  /** Per installed app: when its row last changed. */
  appChangedAt: Map<number, number>;
}

export interface User {
  index: number;
  id: string;
  legacyId: string;
  name: string;
  email: string;
  department: string | null;
  jobTitle: string | null;
  active: boolean;
  archived: boolean;
  createdAt: number;
  updatedAt: number;
}

const PLATFORM_MIX: readonly (readonly [Platform, number])[] = [
  ['Mac', 55],
  ['iPhone', 22],
  ['iPad', 15],
  ['AppleTV', 5],
];
const PLATFORM_MIX_ALL: readonly (readonly [Platform, number])[] = [...PLATFORM_MIX, ['Windows', 2], ['Android', 1]];

const CHANGE_MIX: readonly (readonly [ChangeKind, number])[] = [
  ['os', 28],
  ['app', 40],
  ['filevault', 7],
  ['firewall', 6],
  ['gatekeeper', 3],
  ['blueprint', 5],
  ['profile', 7],
  ['local_user', 4],
];

/** Apple's own apps are not reported on iPhone and iPad (docs/kandji-api.md §6.4). */
const MAC_APPS = APPS.flatMap((a, i) => (a.on === 'mac' || a.on === 'both' ? [i] : []));
const IOS_APPS = APPS.flatMap((a, i) => ((a.on === 'ios' || a.on === 'both') && a.source !== 'Apple' ? [i] : []));
const TV_APPS = APPS.flatMap((a, i) => (a.on === 'tv' ? [i] : []));

export function blueprintsFor(platform: Platform): number[] {
  return BLUEPRINTS.flatMap((b, i) => (b.platforms.includes(platform) ? [i] : []));
}

export class Tenant {
  readonly seed: number;
  readonly initialDevices: number;
  readonly epoch: number;
  readonly subdomain: string;
  readonly userCount: number;
  readonly dailyChangeRate: number;
  /** Windows and Android management is on: they enroll, and every device record carries their keys. */
  readonly windowsAndAndroid: boolean;
  private readonly platformMix: readonly (readonly [Platform, number])[];

  /** The tenant's clock, ms since epoch. Moves only with advance(). */
  now: number;
  /** The add-on modules the tenant has: their endpoints answer 403 without them. */
  readonly addOns: { vulnerabilityManagement: boolean; edr: boolean };
  /** Prism rows show only this long after their `updated_at` (ms): ingestion lag. */
  prismLagMs: number;
  /** Bumped on every advance(); caches key on it. */
  version = 0;
  /** Devices ever enrolled: indices 0..deviceCount-1 exist unless removed. */
  deviceCount: number;
  private readonly enrolledLater = new Map<number, number>();
  private readonly removed = new Map<number, number>();
  private readonly changes = new Map<number, DeviceChange[]>();
  private readonly userDepartmentChanges = new Map<number, { at: number; department: number }>();
  /** Scripted vulnerability detections per device (scheduleVulnerability), open until patched. */
  private readonly scriptedVulnerabilities = new Map<number, ScriptedVulnerability[]>();
  /** Devices enrolled from Apple Business Manager by enrollAdeDevice: device index → the awaiting slot it was. */
  private readonly fromAde = new Map<number, number>();
  /** Awaiting slots that have enrolled: slot → device index. */
  private readonly adeEnrolled = new Map<number, number>();
  /** Device lifecycle events for the audit log: enrollments and deletions made by advance(). */
  readonly lifecycle: { at: number; kind: 'enrolled' | 'deleted'; device: number }[] = [];
  private sortedCache: { key: string; order: Int32Array } | undefined;
  /** The devices built at `version` (device()). */
  private devices: { version: number; built: Map<number, Device> } = { version: -1, built: new Map() };

  constructor(options: TenantOptions) {
    if (!Number.isInteger(options.devices) || options.devices < 1 || options.devices > 100_000) {
      throw new RangeError(`devices must be an integer from 1 to 100000, got ${options.devices}`);
    }
    this.seed = options.seed >>> 0;
    this.initialDevices = options.devices;
    this.deviceCount = options.devices;
    this.epoch = options.epoch ?? DEFAULT_EPOCH;
    this.now = this.epoch;
    this.prismLagMs = (options.prismLagMinutes ?? 0) * 60_000;
    this.addOns = { vulnerabilityManagement: options.addOns?.vulnerabilityManagement ?? true, edr: options.addOns?.edr ?? true };
    this.subdomain = options.subdomain ?? 'accuhive';
    this.userCount = Math.max(1, Math.round(options.devices * 0.8));
    this.dailyChangeRate = options.dailyChangeRate ?? 0.05;
    this.windowsAndAndroid = options.windowsAndAndroid ?? false;
    this.platformMix = this.windowsAndAndroid ? PLATFORM_MIX_ALL : PLATFORM_MIX;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Devices

  /** True when device `index` is enrolled at the tenant's clock. */
  exists(index: number): boolean {
    return index >= 0 && index < this.deviceCount && !this.removed.has(index);
  }

  /** Indices of the devices that exist now, in enrollment order. */
  *deviceIndices(): Generator<number> {
    for (let i = 0; i < this.deviceCount; i++) if (!this.removed.has(i)) yield i;
  }

  /** Number of devices that exist now. */
  get liveDevices(): number {
    return this.deviceCount - this.removed.size;
  }

  deviceId(index: number): string {
    return uuid(this.seed, 'device', index);
  }

  platformOf(index: number): Platform {
    const slot = this.fromAde.get(index);
    if (slot !== undefined) return this.awaitingAdeDevice(slot).platform;
    return weighted(this.seed, this.platformMix, 'platform', index);
  }

  /**
   * The device's attributes at the tenant's clock. Built once per device and version: a sync asks for each device
   * once per endpoint, and library item statuses once per item (55 times), and a build replays every change the
   * device has had. The object is shared by every caller until the clock or the fleet moves: read it, never change it.
   */
  device(index: number): Device {
    if (this.devices.version !== this.version) this.devices = { version: this.version, built: new Map() };
    let device = this.devices.built.get(index);
    if (!device) {
      device = this.buildDevice(index);
      this.devices.built.set(index, device);
    }
    return device;
  }

  private buildDevice(index: number): Device {
    const s = this.seed;
    const platform = this.platformOf(index);
    const model = pick(s, MODELS[platform], 'model', index);
    const isMac = platform === 'Mac';
    const releases = OS_RELEASES[platform];
    // Most of the fleet is on the latest or one behind; a tail is far behind.
    const behind = weighted(
      s,
      [
        [0, 50],
        [1, 25],
        [2, 12],
        [3, 8],
        [4, 5],
      ] as const,
      'os',
      index,
    );
    const bornLater = this.enrolledLater.get(index);
    const enrolledAt =
      bornLater ?? this.epoch - between(s, 10, 900, 'enrolled', index) * DAY - between(s, 0, 86_399_999, 'enrolled-ms', index);
    const reenrolled = bornLater === undefined && chance(s, 0.1, 'reenrolled', index);
    const lastEnrolledAt = reenrolled ? enrolledAt + between(s, 1, 9, 'reenrolled-days', index) * DAY : enrolledAt;
    const blueprints = blueprintsFor(platform);
    const sharedOrKiosk = (b: number) => BLUEPRINTS[b]?.name === 'Shared iPads' || BLUEPRINTS[b]?.name === 'Kiosk Macs';
    const baseBlueprint = pick(s, blueprints, 'blueprint', index);
    const assigned = platform !== 'AppleTV' && !sharedOrKiosk(baseBlueprint) && chance(s, 0.88, 'assigned', index);
    const user = assigned ? hash(s, 'user-of', index) % this.userCount : -1;
    const missing = bornLater === undefined && chance(s, 0.02, 'missing', index);
    const stale = !missing && bornLater === undefined && chance(s, 0.05, 'stale', index);
    const baseChangedAt = Math.max(
      lastEnrolledAt,
      this.epoch - between(s, 1, 20 * 24 * 3600, 'collected', index) * 1000 - between(s, 0, 999, 'collected-ms', index),
    );

    const device: Device = {
      index,
      id: this.deviceId(index),
      platform,
      model,
      // A device enrolled from Apple Business Manager keeps the serial number ABM listed it under.
      serial: this.fromAde.has(index) ? this.awaitingAdeDevice(this.fromAde.get(index) as number).serial : serial(s, 'device', index),
      name: '',
      user,
      blueprint: baseBlueprint,
      osIndex: Math.max(0, releases.length - 1 - behind),
      enrolledAt,
      lastEnrolledAt,
      lastCheckIn: 0,
      missing,
      removedFlag: chance(s, 0.01, 'removed-flag', index),
      mdmEnabled: chance(s, 0.98, 'mdm', index),
      agentInstalled: isMac && chance(s, 0.97, 'agent', index),
      // Agent versions carry their build number, as in the examples: "4.5.9 (5160)".
      agentVersion: isMac ? pick(s, ['4.3.3 (4811)', '4.5.2 (5102)', '4.5.9 (5160)'], 'agent-version', index) : '',
      filevault: isMac && chance(s, 0.92, 'filevault', index),
      filevaultEscrowed: chance(s, 0.95, 'escrow', index),
      firewall: isMac && chance(s, 0.85, 'firewall', index),
      gatekeeper: isMac && chance(s, 0.97, 'gatekeeper', index),
      sip: isMac && chance(s, 0.99, 'sip', index),
      diskUsedPercent: chance(s, 0.08, 'disk-full', index) ? between(s, 91, 99, 'disk', index) : between(s, 12, 88, 'disk', index),
      lostMode: (platform === 'iPhone' || platform === 'iPad') && chance(s, 0.005, 'lost', index),
      assetTag: chance(s, 0.6, 'asset', index) ? `A-${String(100_000 + index)}` : '',
      tags: [],
      legacyShape: chance(s, 0.03, 'legacy', index),
      extraField: chance(s, 0.02, 'extra', index),
      apps: new Map(),
      profiles: [],
      localUsers: isMac ? between(s, 1, 3, 'local-users', index) : 0,
      changedAt: {
        base: baseChangedAt,
        os: baseChangedAt,
        app: baseChangedAt,
        filevault: baseChangedAt,
        firewall: baseChangedAt,
        blueprint: baseChangedAt,
        profile: baseChangedAt,
        local_user: baseChangedAt,
        gatekeeper: baseChangedAt,
        user: baseChangedAt,
      },
      appChangedAt: new Map(),
    };
    const tagCount = weighted(
      s,
      [
        [0, 50],
        [1, 30],
        [2, 15],
        [3, 5],
      ] as const,
      'tag-count',
      index,
    );
    for (let t = 0; t < tagCount; t++) {
      const tag = pick(s, TAGS, 'tag', index, t);
      if (!device.tags.includes(tag)) device.tags.push(tag);
    }
    this.baseApps(device);
    this.baseProfiles(device);
    for (const change of this.changes.get(index) ?? []) applyChange(this, device, change);
    device.name = this.deviceName(device);
    // Active devices check in about every hour; stale and missing ones stopped at some point before the epoch.
    if (missing) device.lastCheckIn = this.epoch - between(s, 31, 90, 'checkin-missing', index) * DAY;
    else if (stale) device.lastCheckIn = this.epoch - between(s, 2, 25, 'checkin-stale', index) * DAY;
    else device.lastCheckIn = Math.max(device.enrolledAt, this.now - Math.floor(unit(s, 'checkin', index, this.version) * 2 * HOUR));
    return device;
  }

  private deviceName(d: Device): string {
    if (d.platform === 'AppleTV') return `Conf Room ${1 + (hash(this.seed, 'room', d.index) % 60)}`;
    if (d.user < 0) return `${d.platform === 'Mac' ? 'KIOSK' : 'SHARED'}-${String(d.index).padStart(5, '0')}`;
    const first = this.user(d.user).name.split(' ')[0];
    const kind = d.platform === 'Mac' ? d.model.name.split(' (')[0] : d.platform;
    return `${first}'s ${kind}`;
  }

  private baseApps(d: Device): void {
    const s = this.seed;
    const pool =
      d.platform === 'Mac'
        ? MAC_APPS
        : d.platform === 'AppleTV'
          ? TV_APPS
          : d.platform === 'Windows' || d.platform === 'Android'
            ? []
            : IOS_APPS;
    if (pool.length === 0) return;
    const [min, max] = d.platform === 'Mac' ? [20, 150] : d.platform === 'AppleTV' ? [1, TV_APPS.length] : [5, Math.min(40, pool.length)];
    const count = Math.min(pool.length, between(s, min, max, 'app-count', d.index));
    // A start and a stride coprime to the pool size walk `count` distinct apps in O(count), with no sort.
    const start = hash(s, 'app-start', d.index) % pool.length;
    let stride = 1 + (hash(s, 'app-stride', d.index) % (pool.length - 1 || 1));
    while (gcd(stride, pool.length) !== 1) stride++;
    for (let j = 0; j < count; j++) d.apps.set(pool[(start + j * stride) % pool.length] as number, 0);
  }

  private baseProfiles(d: Device): void {
    if (d.platform === 'Windows' || d.platform === 'Android') return;
    const count =
      d.platform === 'Mac' ? between(this.seed, 6, 14, 'profile-count', d.index) : between(this.seed, 3, 8, 'profile-count', d.index);
    const start = hash(this.seed, 'profile-start', d.index) % PROFILE_NAMES.length;
    for (let j = 0; j < count; j++) d.profiles.push((start + j) % PROFILE_NAMES.length);
    // Most tenants scope their screen lock profile to every Mac, iPhone and iPad; a few devices lack it. It takes the
    // place of the device's last other profile, so a device has as many profiles as before (and Prism as many rows).
    const lockable = d.platform === 'Mac' || d.platform === 'iPhone' || d.platform === 'iPad';
    if (lockable && !d.profiles.includes(SCREEN_LOCK_PROFILE) && chance(this.seed, 0.85, 'screen-lock', d.index))
      d.profiles[d.profiles.length - 1] = SCREEN_LOCK_PROFILE;
  }

  /**
   * Device indices in a stable order: enrollment order, or sorted by a `/devices` ordering key. The sorted
   * permutation is an Int32Array (4 bytes a device) cached until the next advance(). The keys live only during the
   * sort, in an array by position.
   */
  orderedDevices(key?: (index: number) => string, cacheKey?: string, descending = false): Int32Array {
    if (!key) return Int32Array.from(this.deviceIndices());
    const fullKey = `${cacheKey}|${descending}|${this.version}`;
    if (this.sortedCache?.key === fullKey) return this.sortedCache.order;
    const live = Int32Array.from(this.deviceIndices());
    const keys = Array.from(live, (i) => key(i));
    const order = sortPositions(live, (x, y) => {
      const kx = keys[x] as string;
      const ky = keys[y] as string;
      const cmp = kx < ky ? -1 : kx > ky ? 1 : (live[x] as number) - (live[y] as number);
      return descending ? -cmp : cmp;
    });
    this.sortedCache = { key: fullKey, order };
    return order;
  }

  /**
   * Live device indices sorted by device_id: the order Prism cursors walk. Sorted on the id's first 32 bits as a
   * number (its first eight hex digits, so the same order), with the full id only to break ties: no 100,000 strings.
   */
  devicesById(): Int32Array {
    const fullKey = `device_id|false|${this.version}`;
    if (this.sortedCache?.key === fullKey) return this.sortedCache.order;
    const live = Int32Array.from(this.deviceIndices());
    const heads = Float64Array.from(live, (i) => uuidHead(this.seed, 'device', i));
    const order = sortPositions(live, (x, y) => {
      const d = (heads[x] as number) - (heads[y] as number);
      if (d !== 0) return d;
      const a = this.deviceId(live[x] as number);
      const b = this.deviceId(live[y] as number);
      return a < b ? -1 : a > b ? 1 : 0;
    });
    this.sortedCache = { key: fullKey, order };
    return order;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Users

  user(index: number): User {
    const s = this.seed;
    const first = pick(s, FIRST_NAMES, 'first', index);
    const last = pick(s, LAST_NAMES, 'last', index);
    const hasDepartment = chance(s, 0.95, 'has-department', index);
    const baseDepartment = weighted(
      s,
      DEPARTMENTS.map((d, i) => [i, d.weight] as const),
      'department',
      index,
    );
    const moved = this.userDepartmentChanges.get(index);
    const department = hasDepartment ? (DEPARTMENTS[moved?.department ?? baseDepartment] ?? null) : null;
    const createdAt =
      this.epoch - between(s, 30 * 86_400, 1200 * 86_400, 'user-created', index) * 1000 - between(s, 0, 999, 'user-created-ms', index);
    return {
      index,
      id: uuid(s, 'user', index),
      legacyId: String(30_000 + index),
      name: `${first} ${last}`,
      email: `${first.toLowerCase()}.${last.toLowerCase()}${index}@${this.subdomain}.io`,
      department: department?.name ?? null,
      jobTitle: department ? pick(s, department.titles, 'title', index) : null,
      active: chance(s, 0.97, 'active', index),
      archived: chance(s, 0.03, 'archived', index),
      createdAt,
      updatedAt: moved?.at ?? Math.max(createdAt, this.epoch - between(s, 86_400_000, 60 * 86_400_000, 'user-updated', index)),
    };
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Time travel

  /**
   * Move the tenant's clock forward. Every active device checks in; about `dailyChangeRate` of devices per day get an
   * inventory change (OS update, app install or update, FileVault or firewall toggled, blueprint or profile change),
   * which moves the `updated_at` of the Prism rows it touches; a few devices enroll and a few are deleted; a few
   * users change department. Deterministic: the same seed and the same calls give the same tenant.
   */
  advance(hours: number): AdvanceSummary {
    if (!(hours > 0)) throw new RangeError(`advance() takes a positive number of hours, got ${hours}`);
    const s = this.seed;
    const from = this.now;
    const to = from + Math.round(hours * HOUR);
    const days = hours / 24;
    const pChange = 1 - (1 - this.dailyChangeRate) ** days;
    const summary: AdvanceSummary = { from, to, changed: [], enrolled: [], deleted: [], usersMoved: [] };
    const at = (key: string, i: number) => from + Math.floor(unit(s, key, i, to) * (to - from));

    for (const i of this.deviceIndices()) {
      if (!chance(s, pChange, 'change', i, to)) continue;
      const kind = weighted(s, CHANGE_MIX, 'change-kind', i, to);
      const device = this.device(i);
      const change = pickChange(this, device, kind, to);
      if (!change) continue;
      change.at = Math.max(at('change-at', i), device.enrolledAt + 1);
      const list = this.changes.get(i) ?? [];
      list.push(change);
      this.changes.set(i, list);
      summary.changed.push({ device: i, kind: change.kind });
    }

    const enroll = Math.round(this.initialDevices * 0.002 * days + unit(s, 'enroll-frac', to));
    for (let n = 0; n < enroll; n++) {
      const i = this.deviceCount++;
      this.enrolledLater.set(i, at('enroll-at', i));
      this.lifecycle.push({ at: this.enrolledLater.get(i) as number, kind: 'enrolled', device: i });
      summary.enrolled.push(i);
    }

    const remove = Math.round(this.initialDevices * 0.001 * days + unit(s, 'remove-frac', to));
    for (let n = 0; n < remove && this.liveDevices > 1; n++) {
      let i = hash(s, 'remove', to, n) % this.deviceCount;
      while (!this.exists(i)) i = (i + 1) % this.deviceCount;
      const when = at('remove-at', i);
      this.removed.set(i, when);
      this.lifecycle.push({ at: when, kind: 'deleted', device: i });
      summary.deleted.push(i);
    }

    const moves = Math.round(this.userCount * 0.005 * days + unit(s, 'move-frac', to));
    const moved = new Set<number>();
    for (let n = 0; n < moves; n++) {
      const u = hash(s, 'move', to, n) % this.userCount;
      const current = DEPARTMENTS.findIndex((d) => d.name === this.user(u).department);
      // A user without a department has nothing to move; a move always lands in another department.
      if (current < 0 || moved.has(u)) continue;
      moved.add(u);
      const department = (current + 1 + (hash(s, 'move-to', to, n) % (DEPARTMENTS.length - 1))) % DEPARTMENTS.length;
      this.userDepartmentChanges.set(u, { at: at('move-at', u), department });
      summary.usersMoved.push(u);
    }

    this.lifecycle.sort((a, b) => a.at - b.at);
    this.now = to;
    this.version++;
    return summary;
  }

  /**
   * A scripted change for tests that tell a story (the marts' acceptance test): applied to device `index` as of one
   * millisecond before the tenant's clock, so the next sync sees it and an incremental read picks it up.
   */
  scheduleChange(index: number, kind: ChangeKind, value: number): void {
    if (!this.exists(index)) throw new RangeError(`device ${index} is not enrolled`);
    const list = this.changes.get(index) ?? [];
    list.push({ at: this.now - 1, kind, value });
    this.changes.set(index, list);
    this.version++;
  }

  /**
   * A scripted vulnerability for tests that tell a story: from now on, the Vulnerability Management detections list
   * the CVE on Mac `index` against the first app it has installed (and the vulnerabilities list counts it), until
   * patchVulnerability. `cvssScore` sets its severity (docs/kandji-api.md §6.11); below 4 it is Low, a severity the
   * tenant's own detections never have, so a story can tell it apart.
   */
  scheduleVulnerability(index: number, cveId: string, cvssScore: number): void {
    const d = this.device(index);
    if (d.platform !== 'Mac' || d.apps.size === 0) throw new RangeError(`device ${index} is not a Mac with apps`);
    const list = this.scriptedVulnerabilities.get(index) ?? [];
    list.push({ cveId, cvssScore, app: d.apps.keys().next().value as number, at: this.now - 1 });
    this.scriptedVulnerabilities.set(index, list);
    this.version++;
  }

  /**
   * Patch a scripted vulnerability the way a fleet does: the vulnerable app is updated (an `app` change, which a
   * sync reads as a new version), and the detection disappears from the list; the API keeps no record of it.
   */
  patchVulnerability(index: number, cveId: string): void {
    const open = (this.scriptedVulnerabilities.get(index) ?? []).find((v) => v.cveId === cveId && v.patchedAt === undefined);
    if (!open) throw new RangeError(`device ${index} has no open ${cveId}`);
    open.patchedAt = this.now - 1;
    this.scheduleChange(index, 'app', open.app);
  }

  /** The scripted vulnerabilities open on device `index` at the tenant's clock. */
  openVulnerabilities(index: number): readonly ScriptedVulnerability[] {
    return (this.scriptedVulnerabilities.get(index) ?? []).filter((v) => v.at <= this.now && v.patchedAt === undefined);
  }

  /**
   * An Apple device bought and assigned to the tenant in Apple Business Manager, not enrolled yet: the ADE devices
   * list shows slot `k` with this serial number and family and no `mdm_device` (docs/kandji-api.md §6.11).
   */
  awaitingAdeDevice(k: number): { serial: string; platform: 'Mac' | 'iPad' | 'iPhone' } {
    return {
      serial: `ADE${String(hash(this.seed, 'ade-serial', k))
        .padStart(9, '0')
        .slice(0, 9)}`,
      platform: pick(this.seed, ['Mac', 'iPad', 'iPhone'] as const, 'ade-family', k),
    };
  }

  /** The device an awaiting ADE slot became, or undefined while it waits. */
  adeEnrolledAs(k: number): number | undefined {
    return this.adeEnrolled.get(k);
  }

  /** The awaiting ADE slot device `index` came from, if it enrolled through enrollAdeDevice. */
  adeSlotOf(index: number): number | undefined {
    return this.fromAde.get(index);
  }

  /**
   * The ADE device of slot `k` enrolls now, without moving the clock: it joins the devices list with the serial
   * number and family Apple Business Manager listed, and its ADE record (same id) gains its `mdm_device`.
   */
  enrollAdeDevice(k: number): number {
    if (this.adeEnrolled.has(k)) throw new RangeError(`ADE slot ${k} has already enrolled`);
    const i = this.deviceCount++;
    this.enrolledLater.set(i, this.now);
    this.fromAde.set(i, k);
    this.adeEnrolled.set(k, i);
    this.lifecycle.push({ at: this.now, kind: 'enrolled', device: i });
    this.version++;
    return i;
  }

  /** When device `index` was deleted, if it was. */
  removedAt(index: number): number | undefined {
    return this.removed.get(index);
  }

  /**
   * Delete these devices now, without moving the clock: a device removed in the console while a sync runs. Every
   * later response leaves them out (lists) or answers 404 (their per-device endpoints). Ids are device_ids or indices.
   */
  removeDevices(devices: readonly (number | string)[]): number[] {
    const done: number[] = [];
    for (const d of devices) {
      const i = typeof d === 'number' ? d : this.indexOf(d);
      if (i < 0 || !this.exists(i)) continue;
      this.removed.set(i, this.now);
      this.lifecycle.push({ at: this.now, kind: 'deleted', device: i });
      done.push(i);
    }
    if (done.length > 0) this.version++;
    return done;
  }

  /** Enroll `count` new devices now, without moving the clock; returns their indices. */
  enrollDevices(count: number): number[] {
    const done: number[] = [];
    for (let n = 0; n < count; n++) {
      const i = this.deviceCount++;
      this.enrolledLater.set(i, this.now);
      this.lifecycle.push({ at: this.now, kind: 'enrolled', device: i });
      done.push(i);
    }
    if (done.length > 0) this.version++;
    return done;
  }

  /** The index of the device with this device_id, or -1 (a linear scan: for tests, not per request). */
  indexOf(deviceId: string): number {
    for (let i = 0; i < this.deviceCount; i++) if (this.deviceId(i) === deviceId) return i;
    return -1;
  }
}

/** A vulnerability scripted onto a device (scheduleVulnerability): its CVE, score, the app it is in, and when. */
export interface ScriptedVulnerability {
  cveId: string;
  cvssScore: number;
  app: number;
  at: number;
  patchedAt?: number;
}

export interface AdvanceSummary {
  from: number;
  to: number;
  changed: { device: number; kind: ChangeKind }[];
  enrolled: number[];
  deleted: number[];
  usersMoved: number[];
}

/** `values` reordered by comparing positions: the comparator indexes per-position keys held beside them. */
function sortPositions(values: Int32Array, compare: (x: number, y: number) => number): Int32Array {
  const positions = Int32Array.from(values.keys());
  positions.sort(compare);
  return positions.map((p) => values[p] as number);
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Choose the concrete change of a kind for a device, or nothing when the kind does not apply to its platform. */
function pickChange(tenant: Tenant, d: Device, kind: ChangeKind, key: number): DeviceChange | undefined {
  const s = tenant.seed;
  const isMac = d.platform === 'Mac';
  switch (kind) {
    case 'os':
      return d.osIndex < OS_RELEASES[d.platform].length - 1
        ? { at: 0, kind, value: d.osIndex + 1 }
        : { at: 0, kind: 'app', value: firstApp(d) };
    case 'app': {
      if (d.apps.size === 0) return undefined;
      // Two thirds update an installed app; one third install one from the catalog that fits the platform.
      if (chance(s, 0.67, 'app-op', d.index, key))
        return { at: 0, kind, value: [...d.apps.keys()][hash(s, 'app-pick', d.index, key) % d.apps.size] as number };
      const candidate = hash(s, 'app-new', d.index, key) % APPS.length;
      const spec = APPS[candidate];
      const fits =
        spec &&
        (isMac
          ? spec.on !== 'ios' && spec.on !== 'tv'
          : d.platform === 'AppleTV'
            ? spec.on === 'tv'
            : spec.on !== 'mac' && spec.on !== 'tv' && spec.source !== 'Apple');
      return { at: 0, kind, value: fits ? candidate : firstApp(d) };
    }
    case 'filevault':
      return isMac ? { at: 0, kind, value: d.filevault ? 0 : 1 } : undefined;
    case 'firewall':
      return isMac ? { at: 0, kind, value: d.firewall ? 0 : 1 } : undefined;
    case 'gatekeeper':
      return isMac ? { at: 0, kind, value: d.gatekeeper ? 0 : 1 } : undefined;
    case 'blueprint': {
      const options = blueprintsFor(d.platform).filter((b) => b !== d.blueprint);
      return options.length ? { at: 0, kind, value: options[hash(s, 'bp-new', d.index, key) % options.length] as number } : undefined;
    }
    case 'profile':
      return d.profiles.length ? { at: 0, kind, value: hash(s, 'profile-new', d.index, key) % PROFILE_NAMES.length } : undefined;
    case 'local_user':
      return isMac ? { at: 0, kind, value: d.localUsers < 4 ? d.localUsers + 1 : d.localUsers - 1 } : undefined;
    case 'user':
      return undefined;
  }
}

function firstApp(d: Device): number {
  return d.apps.keys().next().value ?? 0;
}

/** Fold one recorded change into a device's attributes. */
export function applyChange(_tenant: Tenant, d: Device, c: DeviceChange): void {
  switch (c.kind) {
    case 'os':
      d.osIndex = c.value;
      break;
    case 'app':
      d.apps.set(c.value, (d.apps.get(c.value) ?? -1) + 1);
      d.appChangedAt.set(c.value, c.at);
      break;
    case 'filevault':
      d.filevault = c.value === 1;
      if (d.filevault) d.filevaultEscrowed = true;
      break;
    case 'firewall':
      d.firewall = c.value === 1;
      break;
    case 'gatekeeper':
      d.gatekeeper = c.value === 1;
      break;
    case 'blueprint':
      d.blueprint = c.value;
      // A blueprint shows in the common columns of every Prism category, so every row of the device changes.
      for (const k of Object.keys(d.changedAt) as (keyof Device['changedAt'])[]) d.changedAt[k] = Math.max(d.changedAt[k], c.at);
      for (const app of d.apps.keys()) d.appChangedAt.set(app, c.at);
      break;
    case 'profile':
      if (d.profiles.includes(c.value)) d.profiles = d.profiles.filter((p) => p !== c.value);
      else d.profiles.push(c.value);
      break;
    case 'local_user':
      d.localUsers = c.value;
      break;
    case 'user':
      d.user = c.value;
      break;
  }
  d.changedAt[c.kind] = Math.max(d.changedAt[c.kind], c.at);
  // An OS update is also a device_information change; device_information is keyed 'os' below.
}
