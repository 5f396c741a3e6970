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

/** Credentials in a URL (`https://user:token@host`) and GitHub's token formats, known or not. */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@:]*:[^\s/@]+@/gi;
const GITHUB_TOKEN = /\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})\b/g;

/** Every value a secret-named environment variable holds now, and every registered one. */
function knownSecrets(): Set<string> {
  const all = new Set(registered);
  // Names first, values only of secret-named ones: reading every value of process.env (a call into
  // the C++ environment each) made a --verbose publish of 10,000 packages spend 0.5 s here.
  for (const k of Object.keys(process.env)) {
    if (!isSecretEnvName(k)) continue;
    const v = process.env[k];
    if (v && v.length >= 4) all.add(v);
  }
  return all;
}

/** `text` with every known secret, URL credential and GitHub-format token replaced by `***`. */
export function redact(text: string): string {
  return redactor()(text);
}

/**
 * A `redact` over the secrets known now, looked up once: for many strings in a row. Looking
 * them up per string (every secret-named variable of the environment) made `repo list --json`
 * of 10,000 packages, 70,000 strings, spend 0.9 s of its 2.2 s here.
 */
export function redactor(): (text: string) => string {
  const secrets = [...knownSecrets()];
  return (text) => {
    let out = text;
    for (const s of secrets) if (out.includes(s)) out = out.split(s).join('***');
    if (out.includes('@')) out = out.replace(URL_CREDENTIALS, '$1***@');
    return out.includes('gh') || out.includes('github_pat_') ? out.replace(GITHUB_TOKEN, '***') : out;
  };
}

/** `redact` applied to every string inside a value bound for --json (keys included). */
export function redactDeep(value: unknown, redactOne: (text: string) => string = redactor()): unknown {
  const deep = (v: unknown) => redactDeep(v, redactOne);
  if (typeof value === 'string') return redactOne(value);
  if (Array.isArray(value)) return value.map(deep);
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [redactOne(k), deep(v)]));
  if (value && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function')
    return deep((value as { toJSON: () => unknown }).toJSON());
  return value;
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
  const secrets = [...knownSecrets()];
  for (const [k, v] of Object.entries(process.env)) {
    // By name, and by value: a passphrase read from a variable with an innocent name (e.g.
    // signing.passphraseEnv: REPO_PW) is registered and must not reach the child either, nor
    // may a value that holds a secret inside it (HTTPS_PROXY=http://me:<token>@proxy:3128).
    if (v !== undefined && !isSecretEnvName(k) && !secrets.some((s) => v.includes(s))) env[k] = v;
  }
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}
