/** The GitHub Pages address a run derives when pkgtrack.yaml has no `url:` (never a file:// path users would install). */
import { describe, expect, it } from 'vitest';
import { githubPagesUrl } from '../../src/recipe/load.js';

describe('githubPagesUrl', () => {
  it('is https://<owner>.github.io/<repo> in GitHub Actions on github.com', () => {
    expect(githubPagesUrl({ GITHUB_ACTIONS: 'true', GITHUB_REPOSITORY: 'Acme/ppa' })).toBe('https://acme.github.io/ppa');
    expect(githubPagesUrl({ GITHUB_ACTIONS: 'true', GITHUB_REPOSITORY: 'acme/ppa', GITHUB_SERVER_URL: 'https://github.com' })).toBe(
      'https://acme.github.io/ppa',
    );
  });

  it('is the user or organisation site for <owner>.github.io', () => {
    expect(githubPagesUrl({ GITHUB_ACTIONS: 'true', GITHUB_REPOSITORY: 'Acme/acme.github.io' })).toBe('https://acme.github.io');
  });

  it('is nothing outside GitHub Actions, on GitHub Enterprise, or for a malformed repository', () => {
    expect(githubPagesUrl({ GITHUB_REPOSITORY: 'acme/ppa' })).toBeUndefined();
    expect(
      githubPagesUrl({ GITHUB_ACTIONS: 'true', GITHUB_REPOSITORY: 'acme/ppa', GITHUB_SERVER_URL: 'https://ghe.example.org' }),
    ).toBeUndefined();
    expect(githubPagesUrl({ GITHUB_ACTIONS: 'true', GITHUB_REPOSITORY: 'acme/../x y' })).toBeUndefined();
  });
});
