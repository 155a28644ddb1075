/**
 * Redaction by construction: every secret the connector is given is registered here once, and every line the
 * connector writes (protocol messages, logs, error messages, files) passes through `redact`. Secrets are replaced
 * in plain, `Bearer <secret>`, base64 and URL-encoded form.
 */

const forms = new Set<string>();

/** Register a secret so that it, and its encoded forms, never leave the process. Short values are ignored. */
export function registerSecret(secret: string | undefined): void {
  if (!secret || secret.length < 6) return;
  const variants = [
    secret,
    encodeURIComponent(secret),
    Buffer.from(secret, 'utf8').toString('base64'),
    Buffer.from(secret, 'utf8').toString('base64url'),
    Buffer.from(`Bearer ${secret}`, 'utf8').toString('base64'),
  ];
  for (const v of variants) forms.add(v.replace(/=+$/, ''));
}

/** Forget every registered secret (tests run several configs in one process). */
export function clearSecrets(): void {
  forms.clear();
}

/** Replace every registered secret in `text` with `**********`. */
export function redact(text: string): string {
  let out = text;
  for (const form of forms) {
    if (out.includes(form)) out = out.split(form).join('**********');
  }
  return out;
}
