/**
 * Which proxy a request to the API origin goes through, from the environment as curl and most tools read it:
 * `HTTPS_PROXY` for an https origin, `HTTP_PROXY` for http, either spelling (lower case wins, as in curl), and
 * `NO_PROXY` (a list of host names, domain suffixes, `host:port`, or `*`) to go direct. Loopback origins (the
 * simulator) never go through a proxy: a proxy's loopback is its own machine, not ours. The proxy's password is
 * registered as a secret (core/redact.ts).
 */
import { ConfigError } from '../errors.ts';
import { registerSecret } from '../redact.ts';

export interface ProxyChoice {
  /** The proxy URL as given, credentials included: for the dispatcher only, never for a message. */
  uri: string;
  /** `host:port` of the proxy, for messages and logs. */
  host: string;
}

const LOOPBACK = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

export function proxyFor(origin: URL, env: Record<string, string | undefined>): ProxyChoice | undefined {
  if (LOOPBACK.test(origin.hostname)) return undefined;
  const setting = (name: string) => (env[name.toLowerCase()] ?? env[name.toUpperCase()])?.trim() || undefined;
  const uri = setting(origin.protocol === 'https:' ? 'https_proxy' : 'http_proxy');
  if (uri === undefined || bypassed(origin, setting('no_proxy') ?? '')) return undefined;
  let proxy: URL;
  try {
    proxy = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(uri) ? uri : `http://${uri}`);
  } catch {
    // Not a URL: say so by name, without echoing a value that may hold a password.
    throw new ConfigError(
      `${origin.protocol === 'https:' ? 'HTTPS_PROXY' : 'HTTP_PROXY'} is not a URL; write it as http://proxy.example.com:3128`,
    );
  }
  // The proxy's password is a secret like the token: no line the connector writes may carry it.
  registerSecret(decodeURIComponent(proxy.password));
  registerSecret(`${proxy.username}:${proxy.password}`);
  return { uri: proxy.href, host: proxy.host };
}

/** Whether `NO_PROXY` names the origin: `*`, the host itself, or a domain it is under (`.example.com` or `example.com`). */
function bypassed(origin: URL, noProxy: string): boolean {
  const host = origin.hostname.toLowerCase();
  const port = origin.port || (origin.protocol === 'https:' ? '443' : '80');
  for (const raw of noProxy.split(/[,\s]+/)) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    const [name, entryPort] = entry.replace(/^\*/, '').split(/:(?=\d+$)/) as [string, string | undefined];
    if (entryPort !== undefined && entryPort !== port) continue;
    const domain = name.replace(/^\./, '');
    if (host === domain || host.endsWith(`.${domain}`)) return true;
  }
  return false;
}
