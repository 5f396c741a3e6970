/** Golden tests of the install snippets (their acceptance by apt and dnf is in clients.test.ts). */
import { describe, expect, it } from 'vitest';
import { isPkgtrackError } from '../../src/core/errors.js';
import { debSources, releaseSignedBy, yumRepoFile } from '../../src/formats/user-files.js';

const KEY = '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nxjMEZ\n=abcd\n-----END PGP PUBLIC KEY BLOCK-----\n';

describe('debSources', () => {
  it('embeds the armored key as a deb822 multi-line field (empty lines become " .")', () => {
    expect(
      debSources({
        uri: 'https://repo.example.org/apt',
        suites: ['bookworm'],
        components: ['main'],
        architectures: ['amd64', 'arm64'],
        signedBy: { kind: 'embedded', armoredKey: KEY },
      }),
    ).toBe(`Types: deb
URIs: https://repo.example.org/apt
Suites: bookworm
Components: main
Architectures: amd64 arm64
Signed-By:
 -----BEGIN PGP PUBLIC KEY BLOCK-----
 .
 xjMEZ
 =abcd
 -----END PGP PUBLIC KEY BLOCK-----
`);
  });
  it('names a keyring path', () => {
    expect(
      debSources({
        uri: 'https://r/apt',
        suites: ['trixie', 'trixie-trunk'],
        components: ['main'],
        enabled: false,
        signedBy: { kind: 'path', path: '/etc/apt/keyrings/example.asc' },
      }),
    ).toBe(
      'Types: deb\nURIs: https://r/apt\nSuites: trixie trixie-trunk\nComponents: main\nEnabled: no\nSigned-By: /etc/apt/keyrings/example.asc\n',
    );
  });
  it.each(['relative/key.asc', '/etc/apt/keyrings/my key.asc', '/etc/apt/keyrings/ké.asc'])('refuses keyring path %s', (path) => {
    expect(() => debSources({ uri: 'https://r', suites: ['s'], components: ['main'], signedBy: { kind: 'path', path } })).toThrowError(
      /Signed-By keyring path/,
    );
  });
  it('refuses a value that would inject a field', () => {
    let e: unknown;
    try {
      debSources({ uri: 'https://r\nTrusted: yes', suites: ['s'], components: ['main'], signedBy: { kind: 'embedded', armoredKey: KEY } });
    } catch (x) {
      e = x;
    }
    expect(isPkgtrackError(e) && e.code).toBe('SOURCES_BAD_VALUE');
  });
});

describe('yumRepoFile', () => {
  it('turns package and metadata checks on', () => {
    expect(
      yumRepoFile({
        id: 'example',
        name: 'Example',
        baseurl: 'https://r/yum/el9/$basearch',
        gpgkeys: ['https://r/key-new.asc', 'https://r/key-old.asc'],
      }),
    ).toBe(
      '[example]\nname=Example\nbaseurl=https://r/yum/el9/$basearch\nenabled=1\ngpgcheck=1\nrepo_gpgcheck=1\ngpgkey=https://r/key-new.asc\n       https://r/key-old.asc\n',
    );
  });
});

it('releaseSignedBy lists unique upper-case fingerprints', () => {
  expect(releaseSignedBy(['abcd', 'ABCD', 'ef01'])).toBe('ABCD, EF01');
});
