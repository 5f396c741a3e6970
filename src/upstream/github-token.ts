/**
 * The GitHub token from the flag or the environment, registered for redaction. Its own module:
 * commands that only need the token (publish to a git remote) do not load the Octokit client.
 */
import { registerSecret } from '../core/secrets.js';

export function githubToken(explicit?: string): string | undefined {
  const t = explicit ?? process.env.GITHUB_TOKEN ?? process.env.GH_TOKEN;
  const token = t?.trim() || undefined;
  registerSecret(token);
  return token;
}
