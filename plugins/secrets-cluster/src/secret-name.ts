const DNS_1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * The Secret's name from `secrets.from` in kact.config.yaml: `secret/NAME` (as kubectl writes
 * it) or `NAME`. Checked here so a typo fails when the config is read, not after jobs started.
 */
export function secretNameOf(from: string): string {
  const name = from.startsWith('secret/') ? from.slice('secret/'.length) : from;
  if (name.length <= 253 && DNS_1123_SUBDOMAIN.test(name)) return name;
  throw new Error(
    `secrets.from: ${JSON.stringify(from)} is not a Secret; expected secret/NAME or NAME, NAME a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', at most 253 characters)`,
  );
}
