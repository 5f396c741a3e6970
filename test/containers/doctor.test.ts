/** doctor tells the truth about the container engine: on this host, and on one without any. */
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pkgtrack, tempDir } from '../helpers/cli.js';

type Finding = { id: string; status: string; message: string; fix?: string; details?: Record<string, unknown> };

describe('doctor --json and the container engine', () => {
  it('on this host: podman answers, a container runs, and the workarounds it needs are named', { timeout: 300_000 }, async () => {
    const r = await pkgtrack(['doctor', '--json', '--check', 'container-engine', '--check', 'container-run']);
    const findings = r.json().findings as Finding[];
    expect(findings.find((f) => f.id === 'container.podman')).toMatchObject({ status: 'ok', details: { name: 'podman' } });
    const run = findings.find((f) => f.id === 'container.run')!;
    expect(run.status).toBe('ok');
    // Whatever this host needs is both applied (flags) and said (one finding per workaround).
    const flags = [...((run.details?.globalFlags as string[]) ?? []), ...((run.details?.runFlags as string[]) ?? [])];
    const said = findings.filter((f) => f.id.startsWith('container.workaround.'));
    expect(said.length > 0).toBe(flags.length > 0);
    for (const w of said) expect(w.message).toMatch(/^working around: /);
    expect(findings.some((f) => f.id.startsWith('container.image.') && /: (pulled|bootstrapped) /.test(f.message))).toBe(true);
  });

  it('on a machine without podman or docker: an error with the install command, exit 11', async () => {
    const bin = join(tempDir('pkgtrack-noengine-'), 'bin');
    mkdirSync(bin);
    symlinkSync('/bin/dash', join(bin, 'sh'));
    const r = await pkgtrack(['doctor', '--json', '--check', 'container-engine', '--check', 'container-run'], { env: { PATH: bin } });
    expect(r.code).toBe(11);
    const findings = r.json().findings as Finding[];
    expect(findings.find((f) => f.id === 'container.podman')).toMatchObject({ status: 'skip', message: 'podman is not installed' });
    expect(findings.find((f) => f.id === 'container.engine')).toMatchObject({
      status: 'error',
      fix: expect.stringMatching(/apt-get install podman/),
    });
    expect(findings.find((f) => f.id === 'container.run')?.status).toBe('skip');
  });
});
