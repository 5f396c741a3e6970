/**
 * redact / redactDeep: every string of a --json document is scrubbed of the secrets known when
 * the document is printed (registered ones and secret-named environment variables), in keys
 * and values at any depth, and of credentials it was never told about.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { redact, redactDeep, redactor, registerSecret } from '../../src/core/secrets.js';

const ENV_NAME = 'PKGTRACK_TEST_DEPLOY_TOKEN';
afterEach(() => {
  delete process.env[ENV_NAME];
});

describe('redactDeep', () => {
  it('scrubs registered and environment secrets in keys and values at any depth', () => {
    registerSecret('registered-passphrase-1');
    process.env[ENV_NAME] = 'env-token-value-2';
    class Row {
      toJSON() {
        return { note: 'from toJSON: env-token-value-2' };
      }
    }
    const doc = {
      packages: Array.from({ length: 3 }, (_, i) => ({ name: `pkg${i}`, files: [`pool/pkg${i}.deb`] })),
      'key registered-passphrase-1': ['nested', { deeper: 'x env-token-value-2 y' }],
      url: 'https://me:hunter2pass@proxy.example/x',
      token: 'ghp_Sentinel0123456789abcdefABCDEF',
      row: new Row(),
      count: 3,
      flag: null,
    };
    const out = JSON.stringify(redactDeep(doc));
    expect(out).not.toContain('registered-passphrase-1');
    expect(out).not.toContain('env-token-value-2');
    expect(out).not.toContain('hunter2pass');
    expect(out).not.toContain('ghp_Sentinel');
    expect(JSON.parse(out)).toEqual({
      packages: doc.packages,
      'key ***': ['nested', { deeper: 'x *** y' }],
      url: 'https://***@proxy.example/x',
      token: '***',
      row: { note: 'from toJSON: ***' },
      count: 3,
      flag: null,
    });
  });

  it('a redactor takes the secrets known when it was made; redact takes them per call', () => {
    const before = redactor();
    process.env[ENV_NAME] = 'set-after-the-redactor';
    expect(before('a set-after-the-redactor b')).toBe('a set-after-the-redactor b');
    expect(redactor()('a set-after-the-redactor b')).toBe('a *** b');
    expect(redact('a set-after-the-redactor b')).toBe('a *** b');
  });

  it('leaves text without secrets as it is', () => {
    const text = 'scale-000001 1.0-1 amd64 mail@example.org github.com/o/r gh-pages';
    expect(redact(text)).toBe(text);
  });
});
