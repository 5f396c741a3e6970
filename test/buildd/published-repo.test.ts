/**
 * `extraRepositories: [published]`: build B against A that this repository published earlier,
 * as a Launchpad PPA depends on itself. The shorthand resolves to <url>/apt, the suite the build
 * publishes to, and the public part of the signing key (never the secret).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { beforeAll, describe, expect, it } from 'vitest';
import { PkgtrackError } from '../../src/core/errors.js';
import { buildSettingsFor } from '../../src/recipe/build-settings.js';
import { loadRecipe, loadRecipesRepository } from '../../src/recipe/load.js';
import { dependencyRequest, publishedRepository } from '../../src/services/build/dependencies.js';
import { GOOD_RECIPE, repoWith } from '../recipe/fixtures.js';

const RECIPE = `${GOOD_RECIPE}targets:\n  - id: debian:bookworm\n    build:\n      extraRepositories:\n        - published\n        - url: http://deb.debian.org/debian\n          suite: bookworm-backports\n`;
let armoredSecret: string;

beforeAll(async () => {
  const { privateKey } = await openpgp.generateKey({
    type: 'ecc',
    curve: 'ed25519Legacy',
    userIDs: [{ name: 'PPA', email: 'ppa@example.org' }],
    passphrase: 'secret words',
    format: 'armored',
  });
  armoredSecret = privateKey;
});

function repoWithKey(yamlExtra: string): string {
  const root = repoWith({ 'recipes/demo/recipe.yaml': RECIPE });
  mkdirSync(join(root, 'keys'), { recursive: true });
  writeFileSync(join(root, 'keys/signing.asc'), armoredSecret);
  const yaml = join(root, 'pkgtrack.yaml');
  writeFileSync(yaml, `${readFileSync(yaml, 'utf8')}${yamlExtra}`);
  return root;
}

describe('extraRepositories: [published]', () => {
  it('is <url>/apt, the suite the build publishes to, and the public key, in the order listed', async () => {
    const root = repoWithKey('url: https://acme.example.org/ppa/\nsigning:\n  key: keys/signing.asc\n');
    const repo = await loadRecipesRepository(root);
    const recipe = await loadRecipe(repo, 'demo');
    const settings = buildSettingsFor(recipe, recipe.targets[0]!);
    expect(settings.extraRepositories[0]).toBe('published');
    const req = await dependencyRequest(root, ['libfoo-dev'], settings, [], () =>
      publishedRepository(repo.config, root, 'bookworm-backports'),
    );
    const [own, backports] = req.extras.repositories!;
    expect(own).toMatchObject({
      url: 'https://acme.example.org/ppa/apt',
      suite: 'bookworm-backports',
      components: ['main'],
      priority: 500,
    });
    const keyText = own!.key!.bytes.toString();
    expect(own!.key!.armored).toBe(true);
    expect(keyText).toContain('BEGIN PGP PUBLIC KEY BLOCK');
    expect(keyText).not.toContain('PRIVATE');
    const [pub] = await openpgp.readKeys({ armoredKeys: keyText });
    expect(pub!.getFingerprint()).toBe((await openpgp.readPrivateKey({ armoredKey: armoredSecret })).getFingerprint());
    expect(backports?.suite).toBe('bookworm-backports');
  });

  it('without url: or signing: fails naming the field and the fix', async () => {
    for (const [extra, code, field] of [
      ['signing:\n  key: keys/signing.asc\n', 'EXTRA_REPO_PUBLISHED_NO_URL', 'url'],
      ['url: https://acme.example.org/ppa\n', 'EXTRA_REPO_PUBLISHED_UNSIGNED', 'signing.key'],
      ['url: https://acme.example.org/ppa\nsigning:\n  key: keys/missing.asc\n', 'EXTRA_REPO_PUBLISHED_KEY_MISSING', 'signing.key'],
    ] as const) {
      const root = repoWithKey(extra);
      const repo = await loadRecipesRepository(root).catch((e) => e);
      if (repo instanceof Error) throw repo;
      const err = await publishedRepository(repo.config, root, 'bookworm').catch((e: unknown) => e);
      expect(err, extra).toBeInstanceOf(PkgtrackError);
      expect((err as PkgtrackError).code).toBe(code);
      expect((err as PkgtrackError).details.field).toBe(field);
      expect((err as PkgtrackError).fix).toBeTruthy();
    }
  });
});
