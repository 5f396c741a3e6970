/**
 * Secret hygiene. Passphrases and tokens must never reach argv, logs, error text or the
 * environment of a child process. Every child is started through `core/exec`, which builds its
 * environment from `childEnv()`; every message we print can pass through `redact()`.
 */

/** Environment variables that hold secrets. Matched case-insensitively by name. */
const SECRET_NAME = /(TOKEN|PASSPHRASE|PASSWORD|SECRET|PRIVATE_KEY|_KEY_PASS|CREDENTIAL)/i;

const registered = new Set<string>();

/** Remember a secret value so that `redact()` can scrub it from any text we emit. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 4) registered.add(value);
}

export function redact(text: string): string {
  let out = text;
  for (const s of registered) out = out.split(s).join('***');
  return out;
}

export function isSecretEnvName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/**
 * The environment for a child process: the parent's, less every secret-looking variable,
 * plus `extra` (which callers must not use to pass secrets).
 */
export function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    // By name, and by value: a passphrase read from a variable with an innocent name (e.g.
    // signing.passphraseEnv: REPO_PW) is registered and must not reach the child either.
    if (v !== undefined && !isSecretEnvName(k) && !registered.has(v)) env[k] = v;
  }
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}
