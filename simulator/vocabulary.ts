/**
 * The constant vocabulary the simulated tenant draws from: hardware models, OS releases, apps, departments.
 * Values follow the public examples (shared/reference/kandji-openapi) so that generated records look like real ones.
 */

export type Platform = 'Mac' | 'iPhone' | 'iPad' | 'AppleTV' | 'Windows' | 'Android';

export interface Model {
  /** `model` on /devices, e.g. "MacBook Pro (14-inch, M3, Nov 2023)". */
  name: string;
  /** `model_identifier` / Prism `model_id`, e.g. "Mac15,3". */
  identifier: string;
  processor?: string;
  cores?: number;
  memoryGb?: number;
  capacityGb: number;
  appleSilicon?: boolean;
}

export const MODELS: Record<Platform, readonly Model[]> = {
  Mac: [
    {
      name: 'MacBook Air (M1, 2020)',
      identifier: 'MacBookAir10,1',
      processor: 'Apple M1',
      cores: 8,
      memoryGb: 8,
      capacityGb: 256,
      appleSilicon: true,
    },
    {
      name: 'MacBook Air (13-inch, M2, 2022)',
      identifier: 'Mac14,2',
      processor: 'Apple M2',
      cores: 8,
      memoryGb: 16,
      capacityGb: 512,
      appleSilicon: true,
    },
    {
      name: 'MacBook Pro (14-inch, M3, Nov 2023)',
      identifier: 'Mac15,3',
      processor: 'Apple M3',
      cores: 8,
      memoryGb: 16,
      capacityGb: 512,
      appleSilicon: true,
    },
    {
      name: 'MacBook Pro (16-inch, M3 Max, Nov 2023)',
      identifier: 'Mac15,9',
      processor: 'Apple M3 Max',
      cores: 16,
      memoryGb: 48,
      capacityGb: 1000,
      appleSilicon: true,
    },
    {
      name: 'MacBook Pro (14-inch, M4 Pro, 2024)',
      identifier: 'Mac16,8',
      processor: 'Apple M4 Pro',
      cores: 14,
      memoryGb: 24,
      capacityGb: 1000,
      appleSilicon: true,
    },
    {
      name: 'Mac mini (M2, 2023)',
      identifier: 'Mac14,3',
      processor: 'Apple M2',
      cores: 8,
      memoryGb: 16,
      capacityGb: 512,
      appleSilicon: true,
    },
    {
      name: 'iMac (24-inch, M3, 2023)',
      identifier: 'Mac15,4',
      processor: 'Apple M3',
      cores: 8,
      memoryGb: 8,
      capacityGb: 256,
      appleSilicon: true,
    },
    {
      name: 'MacBook Pro (16-inch, 2019)',
      identifier: 'MacBookPro16,1',
      processor: '8-Core Intel Core i9',
      cores: 8,
      memoryGb: 32,
      capacityGb: 1000,
      appleSilicon: false,
    },
  ],
  iPhone: [
    { name: 'iPhone 13', identifier: 'iPhone14,5', capacityGb: 128 },
    { name: 'iPhone 14', identifier: 'iPhone14,7', capacityGb: 128 },
    { name: 'iPhone 15 Pro', identifier: 'iPhone16,1', capacityGb: 256 },
    { name: 'iPhone 16', identifier: 'iPhone17,3', capacityGb: 128 },
    { name: 'iPhone SE (3rd generation)', identifier: 'iPhone14,6', capacityGb: 64 },
  ],
  iPad: [
    { name: 'iPad (8th generation) (Wi-Fi)', identifier: 'iPad11,6', capacityGb: 32 },
    { name: 'iPad (10th generation) (Wi-Fi)', identifier: 'iPad13,18', capacityGb: 64 },
    { name: 'iPad Air (5th generation) (Wi-Fi)', identifier: 'iPad13,16', capacityGb: 64 },
    { name: 'iPad Pro (11-inch) (4th generation)', identifier: 'iPad14,3', capacityGb: 256 },
  ],
  AppleTV: [
    { name: 'Apple TV 4K (3rd generation)', identifier: 'AppleTV14,1', capacityGb: 64 },
    { name: 'Apple TV 4K (2nd generation)', identifier: 'AppleTV11,1', capacityGb: 32 },
  ],
  Windows: [
    { name: 'Latitude 7440', identifier: 'Latitude 7440', capacityGb: 512 },
    { name: 'ThinkPad X1 Carbon Gen 11', identifier: '21HM', capacityGb: 512 },
  ],
  Android: [
    { name: 'Pixel 8', identifier: 'shiba', capacityGb: 128 },
    { name: 'Galaxy S24', identifier: 'SM-S921B', capacityGb: 256 },
  ],
};

export interface OsRelease {
  version: string;
  build: string;
}

/**
 * Releases per platform, oldest first. The last one is the latest release: a device on an earlier one is "behind".
 * advance() moves devices along this list, so fleet OS currency changes over time.
 */
export const OS_RELEASES: Record<Platform, readonly OsRelease[]> = {
  Mac: [
    { version: '13.6.9', build: '22G830' },
    { version: '14.6.1', build: '23G93' },
    { version: '14.7.1', build: '23H222' },
    { version: '15.0.1', build: '24A348' },
    { version: '15.1', build: '24B83' },
    { version: '15.1.1', build: '24B91' },
  ],
  iPhone: [
    { version: '17.6.1', build: '21G93' },
    { version: '18.0.1', build: '22A3370' },
    { version: '18.1', build: '22B83' },
    { version: '18.1.1', build: '22B91' },
  ],
  iPad: [
    { version: '17.6.1', build: '21G93' },
    { version: '18.0.1', build: '22A3370' },
    { version: '18.1', build: '22B83' },
    { version: '18.1.1', build: '22B91' },
  ],
  AppleTV: [
    { version: '17.6', build: '21M71' },
    { version: '18.0', build: '22J357' },
    { version: '18.1', build: '22J580' },
  ],
  Windows: [
    { version: '10.0.22631', build: '22631.4460' },
    { version: '10.0.26100', build: '26100.2314' },
  ],
  Android: [
    { version: '14', build: 'AP2A.240905.003' },
    { version: '15', build: 'AP3A.241105.007' },
  ],
};

/** Prism spells AppleTV as tvOS (docs/kandji-api.md §7.10). */
export const PRISM_FAMILY: Record<Platform, string> = {
  Mac: 'Mac',
  iPhone: 'iPhone',
  iPad: 'iPad',
  AppleTV: 'tvOS',
  Windows: 'Windows',
  Android: 'Android',
};

export interface AppSpec {
  name: string;
  bundleId: string;
  source: 'Apple' | 'App Store' | 'Identified Developer';
  /** Which platforms carry it. */
  on: 'mac' | 'ios' | 'both' | 'tv';
  /** Version before any updates; minor bumps come from advance(). */
  major: number;
  vendable: boolean;
  teamId: string;
  developer: string;
}

const app = (
  name: string,
  bundleId: string,
  on: AppSpec['on'],
  source: AppSpec['source'],
  major: number,
  developer: string,
  teamId: string,
  vendable = source === 'App Store',
): AppSpec => ({ name, bundleId, on, source, major, vendable, developer, teamId });

/** Named apps first; generated "utility" apps pad the catalog so Macs can carry 20–150 of them. */
const NAMED_APPS: readonly AppSpec[] = [
  app('Safari', 'com.apple.Safari', 'mac', 'Apple', 18, 'Apple Inc.', 'APPLECOMPUTER'),
  app('Mail', 'com.apple.mail', 'mac', 'Apple', 16, 'Apple Inc.', 'APPLECOMPUTER'),
  app('Xcode', 'com.apple.dt.Xcode', 'mac', 'App Store', 16, 'Apple Inc.', 'APPLECOMPUTER'),
  app('Keynote', 'com.apple.iWork.Keynote', 'both', 'App Store', 14, 'Apple Inc.', 'APPLECOMPUTER'),
  app('Pages', 'com.apple.iWork.Pages', 'both', 'App Store', 14, 'Apple Inc.', 'APPLECOMPUTER'),
  app('Numbers', 'com.apple.iWork.Numbers', 'both', 'App Store', 14, 'Apple Inc.', 'APPLECOMPUTER'),
  app('Google Chrome', 'com.google.Chrome', 'mac', 'Identified Developer', 131, 'Google LLC', 'EQHXZ8M8AV'),
  app('Firefox', 'org.mozilla.firefox', 'mac', 'Identified Developer', 132, 'Mozilla Corporation', '43AQ936H96'),
  app('Slack', 'com.tinyspeck.slackmacgap', 'both', 'Identified Developer', 4, 'Slack Technologies', 'BQR82RBBHL'),
  app('Zoom', 'us.zoom.xos', 'both', 'Identified Developer', 6, 'Zoom Video Communications', 'BJ4HAAB9B3'),
  app('Microsoft Teams', 'com.microsoft.teams2', 'both', 'Identified Developer', 24, 'Microsoft Corporation', 'UBF8T346G9'),
  app('Microsoft Word', 'com.microsoft.Word', 'both', 'Identified Developer', 16, 'Microsoft Corporation', 'UBF8T346G9'),
  app('Microsoft Excel', 'com.microsoft.Excel', 'both', 'Identified Developer', 16, 'Microsoft Corporation', 'UBF8T346G9'),
  app('Microsoft Outlook', 'com.microsoft.Outlook', 'both', 'Identified Developer', 16, 'Microsoft Corporation', 'UBF8T346G9'),
  app('Visual Studio Code', 'com.microsoft.VSCode', 'mac', 'Identified Developer', 1, 'Microsoft Corporation', 'UBF8T346G9'),
  app('1Password', 'com.1password.1password', 'both', 'Identified Developer', 8, 'AgileBits Inc.', '2BUA8C4S2C'),
  app('Docker', 'com.docker.docker', 'mac', 'Identified Developer', 4, 'Docker Inc', '9BNSXJN65R'),
  app('iTerm', 'com.googlecode.iterm2', 'mac', 'Identified Developer', 3, 'George Nachman', 'H7V7XYVQ7D'),
  app('Figma', 'com.figma.Desktop', 'mac', 'Identified Developer', 124, 'Figma, Inc.', 'T8RA8NE3B7'),
  app('Notion', 'notion.id', 'both', 'Identified Developer', 3, 'Notion Labs, Inc', 'LBQJ96FQ8D'),
  app('Spotify', 'com.spotify.client', 'both', 'Identified Developer', 1, 'Spotify', '2FNC3A47ZF'),
  app('Kandji Self Service', 'io.kandji.Kandji', 'mac', 'Identified Developer', 4, 'Kandji, Inc.', 'P3FGV63VK7'),
  app('Okta Verify', 'com.okta.mobile', 'both', 'App Store', 9, 'Okta, Inc.', 'B7F62B65BN'),
  app('Google Drive', 'com.google.drivefs', 'both', 'Identified Developer', 98, 'Google LLC', 'EQHXZ8M8AV'),
  app('Webex', 'Cisco-Systems.Spark', 'both', 'Identified Developer', 44, 'Cisco', 'DE8Y96K9QP'),
  app('YouTube', 'com.google.ios.youtube', 'tv', 'App Store', 19, 'Google LLC', 'EQHXZ8M8AV'),
  app('Apple TV', 'com.apple.TVWatchList', 'tv', 'Apple', 18, 'Apple Inc.', 'APPLECOMPUTER'),
];

const UTILITY_WORDS = ['Capture', 'Sync', 'Board', 'Flow', 'Note', 'Clip', 'Beam', 'Vault', 'Pulse', 'Grid', 'Lens', 'Dash'];
const UTILITY_VENDORS = ['Northwind', 'Contoso', 'Fabrikam', 'Tailspin', 'Wingtip', 'Adatum', 'Litware', 'Proseware'];

function utilityApps(): AppSpec[] {
  const apps: AppSpec[] = [];
  for (const vendor of UTILITY_VENDORS) {
    for (const word of UTILITY_WORDS) {
      const index = apps.length;
      apps.push(
        app(
          `${vendor} ${word}`,
          `com.${vendor.toLowerCase()}.${word.toLowerCase()}`,
          index % 3 === 0 ? 'both' : 'mac',
          index % 4 === 0 ? 'App Store' : 'Identified Developer',
          1 + (index % 7),
          `${vendor} Software`,
          `${vendor.slice(0, 4).toUpperCase()}${String(index).padStart(6, '0')}`,
        ),
      );
    }
  }
  return apps;
}

/** The full app catalog (named + 96 utilities). */
export const APPS: readonly AppSpec[] = [...NAMED_APPS, ...utilityApps()];

export interface Department {
  name: string;
  weight: number;
  titles: readonly string[];
}

export const DEPARTMENTS: readonly Department[] = [
  {
    name: 'Engineering',
    weight: 30,
    titles: ['Software Engineer', 'Senior Software Engineer', 'Staff Engineer', 'Engineering Manager', 'SRE'],
  },
  { name: 'Sales', weight: 18, titles: ['Account Executive', 'Sales Engineer', 'SDR', 'Sales Manager'] },
  { name: 'Marketing', weight: 10, titles: ['Product Marketing Manager', 'Content Strategist', 'Designer'] },
  { name: 'Customer Success', weight: 12, titles: ['Support Engineer', 'Customer Success Manager', 'Support Lead'] },
  { name: 'Finance', weight: 6, titles: ['Accountant', 'Controller', 'FP&A Analyst'] },
  { name: 'People', weight: 5, titles: ['Recruiter', 'People Partner', 'HR Generalist'] },
  { name: 'IT', weight: 6, titles: ['IT Administrator', 'Helpdesk Technician', 'Security Engineer'] },
  { name: 'Product', weight: 8, titles: ['Product Manager', 'Product Designer', 'UX Researcher'] },
  { name: 'Legal', weight: 2, titles: ['Counsel', 'Paralegal'] },
];

export const FIRST_NAMES = [
  'Ada',
  'Ben',
  'Chloe',
  'Dev',
  'Elena',
  'Farid',
  'Grace',
  'Hiro',
  'Ines',
  'Jonas',
  'Kemi',
  'Liam',
  'Maya',
  'Noah',
  'Olga',
  'Priya',
  'Quinn',
  'Rosa',
  'Sven',
  'Tara',
  'Umar',
  'Vera',
  'Wen',
  'Xavi',
  'Yara',
  'Zane',
];
export const LAST_NAMES = [
  'Okafor',
  'Lindqvist',
  'Nakamura',
  'Garcia',
  'Schmidt',
  'Haddad',
  'Kowalski',
  'Fitzgerald',
  'Moreau',
  'Patel',
  'Rossi',
  'Silva',
  'Tanaka',
  'Novak',
  'Oduya',
  'Berg',
  'Costa',
  'Dubois',
  'Eriksen',
  'Ferreira',
];

export interface BlueprintSpec {
  name: string;
  platforms: readonly Platform[];
  icon: string;
  color: string;
  description: string;
}

export const BLUEPRINTS: readonly BlueprintSpec[] = [
  { name: 'Engineering Macs', platforms: ['Mac'], icon: 'ss-laptop', color: 'aqua-500', description: 'Developer workstations' },
  { name: 'Standard Macs', platforms: ['Mac'], icon: 'ss-desktop', color: 'blue-400', description: 'Default for company Macs' },
  { name: 'Executive Macs', platforms: ['Mac'], icon: 'ss-crown', color: 'purple-400', description: 'Leadership, stricter controls' },
  { name: 'Kiosk Macs', platforms: ['Mac'], icon: 'ss-shop', color: 'orange-400', description: 'Shared and lobby machines' },
  { name: 'Corporate iPhones', platforms: ['iPhone'], icon: 'ss-phone', color: 'green-400', description: 'Company-owned phones' },
  { name: 'Field iPads', platforms: ['iPad'], icon: 'ss-tablet', color: 'yellow-400', description: 'Sales and field teams' },
  { name: 'Shared iPads', platforms: ['iPad'], icon: 'ss-users', color: 'red-300', description: 'Shared iPad carts' },
  { name: 'Conference Rooms', platforms: ['AppleTV'], icon: 'ss-tv', color: 'grey-400', description: 'Apple TVs in meeting rooms' },
  { name: 'Windows Laptops', platforms: ['Windows'], icon: 'ss-laptop', color: 'blue-600', description: 'Windows fleet' },
  { name: 'Android Phones', platforms: ['Android'], icon: 'ss-phone', color: 'green-600', description: 'Android fleet' },
  { name: '_testing_sandbox', platforms: [], icon: 'ss-flask', color: 'grey-200', description: 'Unassigned test blueprint' },
];

export const TAGS: readonly string[] = [
  'remote',
  'hq',
  'loaner',
  'vip',
  'contractor',
  'dev-beta',
  'finance-restricted',
  'legacy-hardware',
  'emea',
  'apac',
  'amer',
  'pilot',
];

export const CUSTOM_APP_NAMES = [
  'Company VPN',
  'Endpoint DLP Agent',
  'Zscaler Client',
  'CrowdStrike Falcon',
  'Printer Drivers',
  'Code Signing Tools',
  'Internal Dev CLI',
  'Font Pack',
  'Citrix Workspace',
  'Tableau Desktop',
  'Adobe Creative Cloud',
  'Java Runtime',
  'Python Toolchain',
  'Wallpaper Pack',
  'Asset Inventory Agent',
];
export const IPA_APP_NAMES = [
  'Field Sales',
  'Expense Capture',
  'Warehouse Scanner',
  'Visitor Check-in',
  'Badge Reader',
  'Room Booking',
  'Inventory Lite',
  'Store Ops',
];
export const PROFILE_NAMES = [
  'Wi-Fi Corp',
  'Wi-Fi Guest',
  'VPN On Demand',
  'Certificate Root CA',
  'Privacy Preferences (PPPC)',
  'Screen Saver Lock',
  'Login Window',
  'Software Update Deferral',
  'Managed Login Items',
  'Notifications',
  'SSO Extension',
  'Restrictions',
  'Kerberos',
  'Energy Saver',
  'Dock Layout',
  'Safari Settings',
  'Finder Settings',
  'Siri Disabled',
  'Smart Card',
  'FileVault Escrow',
];
/**
 * The payloads a profile carries (its XML's `PayloadType`s; Prism installed_profiles `profile_data[].type`; /details
 * `installed_profiles[].payload_types`, docs/kandji-api.md §6.3, §6.10). Most are managed preferences; the screen lock
 * profile carries Apple's passcode policy and screen saver payloads, which is how the control mapping finds it.
 */
export const SCREEN_LOCK_PROFILE = PROFILE_NAMES.indexOf('Screen Saver Lock');
const PAYLOAD_TYPES: Record<string, readonly string[]> = {
  'Screen Saver Lock': ['com.apple.mobiledevice.passwordpolicy', 'com.apple.screensaver'],
};
export function payloadTypesOf(profile: number): readonly string[] {
  return PAYLOAD_TYPES[PROFILE_NAMES[profile] ?? ''] ?? ['com.apple.ManagedClient.preferences'];
}
export const SCRIPT_NAMES = [
  'Rename Computer',
  'Set Time Zone',
  'Clear Caches',
  'Install Rosetta',
  'Remove Legacy VPN',
  'Enable Remote Login',
  'Rotate Local Admin',
  'Check Disk Health',
  'Reset Printing System',
  'Sync Time',
  'Collect Logs',
  'Bind to Directory',
];

/** Certificates in a device's keychain (Prism `certificates`); identity certificates first, so every device has them. */
export const CERTIFICATES: readonly { name: string; identity: boolean }[] = [
  { name: 'Kandji MDM Identity', identity: true },
  { name: 'com.apple.systemdefault', identity: true },
  { name: 'Accuhive Root CA', identity: false },
  { name: 'Okta Device Trust', identity: true },
  { name: 'Wi-Fi Corp EAP-TLS', identity: true },
  { name: 'com.apple.kerberos.kdc', identity: true },
  { name: 'Zscaler Root CA', identity: false },
];

/** Launch agents third-party apps install (Prism `launch_agents_and_daemons`). */
export const LAUNCH_AGENTS: readonly { label: string; program: string; interval: number }[] = [
  {
    label: 'com.microsoft.update.agent',
    program:
      '/Library/Application Support/Microsoft/MAU2.0/Microsoft AutoUpdate.app/Contents/MacOS/Microsoft Update Assistant.app/Contents/MacOS/Microsoft Update Assistant, --launchByAgent',
    interval: 7200,
  },
  {
    label: 'com.google.keystone.agent',
    program:
      '/Library/Google/GoogleSoftwareUpdate/GoogleSoftwareUpdate.bundle/Contents/Resources/GoogleSoftwareUpdateAgent.app/Contents/MacOS/GoogleSoftwareUpdateAgent, -runMode, ifneeded',
    interval: 3523,
  },
  { label: 'io.kandji.Kandji.menu', program: '/Applications/Kandji Self Service.app/Contents/MacOS/Kandji Menu', interval: 0 },
  {
    label: 'us.zoom.updater.login.check',
    program: '/Library/Application Support/zoom.us/ZoomUpdater.app/Contents/MacOS/ZoomUpdater, --check',
    interval: 86400,
  },
  { label: 'com.docker.helper', program: '/Applications/Docker.app/Contents/MacOS/com.docker.helper', interval: 0 },
  {
    label: 'com.1password.SafariExtension',
    program: '/Applications/1Password.app/Contents/Library/LoginItems/1Password Browser Helper.app/Contents/MacOS/1Password-BrowserSupport',
    interval: 0,
  },
  {
    label: 'com.crowdstrike.falcon.UserAgent',
    program: '/Applications/Falcon.app/Contents/Resources/falcon-agent.app/Contents/MacOS/falcon-agent',
    interval: 0,
  },
  { label: 'com.zscaler.tray', program: '/Applications/Zscaler/Zscaler.app/Contents/MacOS/Zscaler', interval: 0 },
];

/** System extensions (Prism `system_extensions`); the Kandji agent's comes first. */
export const SYSTEM_EXTENSIONS: readonly {
  identifier: string;
  name: string;
  teamId: string;
  category: string;
  bundle: string;
  version: string;
}[] = [
  {
    identifier: 'io.kandji.KandjiAgent.ESF',
    name: 'Kandji ESF Extension',
    teamId: 'P3FGV63VK7',
    category: 'com.apple.system_extension.endpoint_security',
    bundle: '/Library/Kandji/Kandji Agent.app',
    version: '1.8.24',
  },
  {
    identifier: 'com.crowdstrike.falcon.Agent',
    name: 'Falcon Sensor',
    teamId: 'X9E956P446',
    category: 'com.apple.system_extension.endpoint_security',
    bundle: '/Applications/Falcon.app',
    version: '7.19.18',
  },
  {
    identifier: 'com.zscaler.zscaler.tunnel',
    name: 'Zscaler Tunnel',
    teamId: 'PCBCQZJ7S7',
    category: 'com.apple.system_extension.network_extension',
    bundle: '/Applications/Zscaler/Zscaler.app',
    version: '4.4.0',
  },
];

/** Privacy (TCC) grants (Prism `transparency_database`): service, application, how the application is identified. */
export const TCC_ENTRIES: readonly { service: string; application: string; reason: string }[] = [
  { service: 'SystemPolicyAllFiles', application: 'io.kandji.KandjiAgent', reason: 'MDM Policy' },
  { service: 'Accessibility', application: 'io.kandji.KandjiAgent', reason: 'MDM Policy' },
  { service: 'ScreenCapture', application: 'us.zoom.xos', reason: 'User Consent' },
  { service: 'Microphone', application: 'us.zoom.xos', reason: 'User Consent' },
  { service: 'Camera', application: 'com.microsoft.teams2', reason: 'User Consent' },
  { service: 'BluetoothAlways', application: 'com.okta.mobile', reason: 'User Consent' },
  { service: 'SystemPolicyDocumentsFolder', application: 'com.tinyspeck.slackmacgap', reason: 'User Consent' },
  { service: 'AppleEvents', application: 'com.googlecode.iterm2', reason: 'User Consent' },
];
