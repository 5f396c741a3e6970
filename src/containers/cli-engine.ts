/**
 * ContainerEngine over a container CLI (podman or docker). Everything goes through core/exec
 * with argv arrays. Host quirks (a runtime that fails, refused ulimits, refused cgroup limits)
 * are found by probing a trivial container once and cached, then applied as flags on every
 * call, so no system file is ever edited.
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { release as kernelRelease } from 'node:os';
import { join } from 'node:path';
import { envError, PkgtrackError } from '../core/errors.js';
import { run } from '../core/exec.js';
import { ifExists, writeFileAtomic } from '../core/fsutil.js';
import type { Progress } from '../core/progress.js';
import { commitArgv, type Dialect, globalArgv, importArgv, listContainersArgv, listImagesArgv, removeArgv, runArgv } from './argv.js';
import {
  type BuildIdentity,
  CONTAINER_PREFIX,
  type ContainerEngine,
  type EngineInfo,
  type EngineProbe,
  type ImageInfo,
  type RunOutcome,
  type RunSpec,
} from './engine.js';
import { makeDirs, userCacheDir } from '../core/dirs.js';
import { onSignalCleanup } from '../core/interrupt.js';

/** Containers started by this process, removed on SIGINT/SIGTERM even if the engine client died. */
const live = new Map<string, { program: string; global: string[]; dialect: Dialect }>();
let handlersInstalled = false;

function removeLiveSync(): void {
  for (const [name, c] of live) {
    spawnSync(c.program, [...c.global, ...removeArgv(c.dialect, name)], { stdio: 'ignore' });
  }
  live.clear();
}

function installSignalHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  onSignalCleanup(removeLiveSync);
  process.on('exit', removeLiveSync);
}

/** Signs in an engine's error text and the workaround each calls for. */
export function diagnoseRunFailure(stderr: string, current: EngineProbe): { add: Partial<EngineProbe>; what: string } | undefined {
  const usesRunc = current.globalFlags.includes('runc');
  // crun names itself in its errors; an OCI runtime error that does not name runc is the default runtime too.
  if (!usesRunc && (/crun/i.test(stderr) || (/OCI runtime/i.test(stderr) && !/runc/i.test(stderr)))) {
    return { add: { globalFlags: ['--runtime', 'runc'] }, what: 'the default OCI runtime (crun) fails here; using --runtime runc' };
  }
  if (!current.runFlags.some((f) => f.startsWith('--ulimit')) && /rlimit|ulimit/i.test(stderr)) {
    return {
      add: { runFlags: ['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=4096:4096'] },
      what: 'the default nofile/nproc ulimits are refused; passing --ulimit nofile=1024:1024 --ulimit nproc=4096:4096',
    };
  }
  if (!current.limitsUnsupported && /memory|cpu|pids|cgroup/i.test(stderr)) {
    return {
      add: { limitsUnsupported: true },
      what: 'resource limits (--memory/--cpus/--pids-limit) are refused by cgroups; builds run without them',
    };
  }
  return undefined;
}

export class CliEngine implements ContainerEngine {
  private probed: EngineProbe | undefined;
  private infoCache: EngineInfo | undefined;

  constructor(
    readonly dialect: Dialect,
    readonly program: string = dialect.name,
  ) {}

  get name() {
    return this.dialect.name;
  }

  private async cli(args: string[], opts: Parameters<typeof run>[2] = {}) {
    return run(this.program, [...globalArgv(this.dialect, this.probed), ...args], { what: `${this.program} ${args[0]}`, ...opts });
  }

  /**
   * podman has no daemon: what `podman info` says (0.3 s) only changes with its binary, the
   * user and the storage config, so it is kept for a day under that key. docker's daemon can
   * stop at any time: asked every time.
   */
  private infoCacheFile(): string | undefined {
    if (this.name !== 'podman') return undefined;
    const bin = (process.env.PATH ?? '')
      .split(':')
      .filter(Boolean)
      .map((d) => join(d, this.program))
      .find((f) => statSync(f, { throwIfNoEntry: false })?.isFile());
    if (!bin) return undefined;
    const st = statSync(bin);
    const conf = ['CONTAINERS_CONF', 'CONTAINERS_STORAGE_CONF', 'CONTAINER_HOST', 'XDG_RUNTIME_DIR'].map((k) => process.env[k] ?? '');
    const key = createHash('sha256')
      .update(JSON.stringify([bin, st.mtimeMs, st.size, process.geteuid?.(), conf]))
      .digest('hex')
      .slice(0, 16);
    return join(userCacheDir(), 'engine', `info-${key}.json`);
  }

  async info(): Promise<EngineInfo> {
    if (this.infoCache) return this.infoCache;
    const cacheFile = this.infoCacheFile();
    if (cacheFile) {
      const st = statSync(cacheFile, { throwIfNoEntry: false });
      if (st && Date.now() - st.mtimeMs < 86_400_000) {
        const cached = await ifExists(readFile(cacheFile, 'utf8'));
        if (cached) return (this.infoCache = JSON.parse(cached) as EngineInfo);
      }
    }
    const r = await this.cli(['info', '--format', '{{json .}}'], {
      errorCode: 'ENGINE_UNAVAILABLE',
      fix: this.name === 'docker' ? 'Start the docker daemon, or install podman.' : 'Install podman (apt-get install podman runc uidmap).',
      timeoutMs: 30_000,
    });
    // biome-ignore lint/suspicious/noExplicitAny: engine-specific JSON, read field by field with fallbacks
    const j = JSON.parse(r.stdout) as Record<string, any>;
    const info: EngineInfo =
      this.name === 'podman'
        ? {
            name: 'podman',
            program: this.program,
            version: String(j.version?.Version ?? ''),
            rootless: Boolean(j.host?.security?.rootless),
            storageDriver: String(j.store?.graphDriverName ?? ''),
            runtime: String(j.host?.ociRuntime?.name ?? ''),
            cgroupVersion: String(j.host?.cgroupVersion ?? ''),
          }
        : {
            name: 'docker',
            program: this.program,
            version: String(j.ServerVersion ?? ''),
            rootless: Array.isArray(j.SecurityOptions) && j.SecurityOptions.some((s: string) => s.includes('rootless')),
            storageDriver: String(j.Driver ?? ''),
            runtime: String(j.DefaultRuntime ?? ''),
            cgroupVersion: String(j.CgroupVersion ?? ''),
          };
    this.infoCache = info;
    if (cacheFile) {
      await makeDirs(join(userCacheDir(), 'engine'));
      await writeFileAtomic(cacheFile, `${JSON.stringify(info)}\n`);
    }
    return info;
  }

  private probeCacheFile(info: EngineInfo): string {
    const key = `${info.name}-${info.version}-${info.rootless ? 'rootless' : 'rootful'}-${kernelRelease()}`.replace(
      /[^A-Za-z0-9._-]/g,
      '_',
    );
    return join(userCacheDir(), 'engine', `${key}.json`);
  }

  async probe(image: string, opts: { force?: boolean } = {}): Promise<EngineProbe> {
    if (this.probed && !opts.force) return this.probed;
    const info = await this.info();
    const file = this.probeCacheFile(info);
    if (!opts.force) {
      const cached = await ifExists(readFile(file, 'utf8'));
      if (cached) {
        const p = JSON.parse(cached) as EngineProbe;
        if (p.ok) return (this.probed = p);
      }
    }
    let p: EngineProbe = { ok: false, globalFlags: [], runFlags: [], workarounds: [], limitsUnsupported: false };
    for (let attempt = 0; attempt < 5; attempt++) {
      const name = `${CONTAINER_PREFIX}probe-${randomBytes(4).toString('hex')}`;
      const argv = runArgv(
        this.dialect,
        { image, argv: ['true'], name, network: 'none', user: '65534:65534', limits: { memory: '256m', pids: 64, cpus: 1 } },
        p,
      );
      const r = await run(this.program, [...globalArgv(this.dialect, p), ...argv], { check: false, timeoutMs: 60_000 });
      if (r.code === 0) {
        p.ok = true;
        delete p.error;
        break;
      }
      p.error = r.stderr.trim().split('\n').slice(-3).join('\n');
      const d = diagnoseRunFailure(r.stderr, p);
      if (!d) break;
      p = {
        ...p,
        globalFlags: [...p.globalFlags, ...(d.add.globalFlags ?? [])],
        runFlags: [...p.runFlags, ...(d.add.runFlags ?? [])],
        limitsUnsupported: d.add.limitsUnsupported ?? p.limitsUnsupported,
        workarounds: [...p.workarounds, d.what],
      };
    }
    if (p.ok) {
      await makeDirs(join(userCacheDir(), 'engine'));
      await writeFileAtomic(file, `${JSON.stringify(p, null, 2)}\n`);
    }
    this.probed = p;
    return p;
  }

  /** The probe for running, failing with the engine's own words when containers cannot run. */
  private async requireProbe(image: string): Promise<EngineProbe> {
    const p = await this.probe(image);
    if (!p.ok) {
      throw envError(
        'CONTAINER_RUN_FAILED',
        `${this.program} cannot run a trivial container here${p.workarounds.length ? ` (even with: ${p.workarounds.join('; ')})` : ''}:\n${p.error ?? ''}`,
        'Run `pkgtrack doctor` for details; check that the engine works with `podman run --rm <image> true`.',
      );
    }
    return p;
  }

  async imageExists(ref: string): Promise<boolean> {
    const r = await this.cli(['image', 'inspect', '--format', '{{.Id}}', ref], { check: false });
    return r.code === 0;
  }

  async imageId(ref: string): Promise<string | undefined> {
    const r = await this.cli(['image', 'inspect', '--format', '{{.Id}}', ref], { check: false });
    if (r.code !== 0) return undefined;
    const id = r.stdout.trim();
    return id.startsWith('sha256:') ? id : `sha256:${id}`;
  }

  async imageLabels(ref: string): Promise<Record<string, string>> {
    const r = await this.cli(['image', 'inspect', '--format', '{{json .Config.Labels}}', ref], { check: false });
    if (r.code !== 0) return {};
    return (JSON.parse(r.stdout.trim() || 'null') as Record<string, string> | null) ?? {};
  }

  async pull(ref: string, progress: Progress, timeoutMs = 120_000, platform?: string): Promise<{ ok: boolean; error?: string }> {
    progress.step(`pulling ${ref}${platform ? ` for ${platform}` : ''}`);
    const r = await this.cli(['pull', ...(platform ? ['--platform', platform] : []), ref], { check: false, timeoutMs });
    if (r.code === 0) return { ok: true };
    return { ok: false, error: r.stderr.trim().split('\n').slice(-1)[0] ?? `exit ${r.code}` };
  }

  async importRootfs(tarball: string, ref: string, labels: Record<string, string>, arch?: string): Promise<string> {
    const r = await this.cli(importArgv(this.dialect, tarball, ref, labels, arch), { errorCode: 'IMAGE_IMPORT_FAILED' });
    return normalizeId(r.stdout.trim().split('\n').pop() ?? '');
  }

  async commit(container: string, ref: string, labels: Record<string, string>): Promise<string> {
    const r = await this.cli(commitArgv(container, ref, labels), { errorCode: 'IMAGE_COMMIT_FAILED' });
    return normalizeId(r.stdout.trim().split('\n').pop() ?? '');
  }

  async tag(source: string, ref: string): Promise<void> {
    await this.cli(['tag', source, ref]);
  }

  async buildIdentity(): Promise<BuildIdentity> {
    const info = await this.info();
    const uid = process.getuid?.() ?? 1000;
    const gid = process.getgid?.() ?? 1000;
    if (info.name === 'podman' && info.rootless) {
      // keep-id maps the host user onto the same uid inside, so the work dir stays the user's.
      return { user: `${uid}:${gid}`, runFlags: ['--userns=keep-id'] };
    }
    if (uid !== 0) return { user: `${uid}:${gid}`, runFlags: [] };
    // Root on the host with a rootful engine: build as an unprivileged uid that owns only the work dir.
    return { user: '1000:1000', runFlags: [], chownTo: { uid: 1000, gid: 1000 } };
  }

  async run(spec: RunSpec): Promise<RunOutcome> {
    const probe = await this.requireProbe(spec.image);
    const name = spec.name ?? `${CONTAINER_PREFIX}${randomBytes(6).toString('hex')}`;
    const identity = spec.user !== undefined ? await this.buildIdentity() : undefined;
    const argv = runArgv(this.dialect, { ...spec, name }, probe, identity?.runFlags ?? []);
    installSignalHandlers();
    const global = globalArgv(this.dialect, probe);
    live.set(name, { program: this.program, global, dialect: this.dialect });
    const started = Date.now();
    let output = '';
    // Whole lines from each stream, so stdout and stderr never splice mid-line.
    const outLines = spec.onOutput ? wholeLines(spec.onOutput) : undefined;
    const errLines = spec.onOutput ? wholeLines(spec.onOutput) : undefined;
    try {
      const r = await run(this.program, [...global, ...argv], {
        check: false,
        ...(spec.log ? { log: spec.log } : {}),
        ...(spec.timeoutMs ? { timeoutMs: spec.timeoutMs } : {}),
        ...(spec.signal ? { signal: spec.signal } : {}),
        ...(outLines && errLines ? { onStdout: outLines.push, onStderr: errLines.push } : {}),
      }).catch((e: unknown) => {
        // AbortSignal: the client was killed; the finally below removes the container.
        if ((e as Error).name === 'AbortError' || (e as PkgtrackError).code === 'EXEC_ERROR') {
          return { code: 130, stdout: '', stderr: String((e as Error).message), stdoutBytes: Buffer.alloc(0) };
        }
        throw e;
      });
      outLines?.end();
      errLines?.end();
      output = `${r.stdout}${r.stderr}`;
      return { code: r.code, name, output, durationMs: Date.now() - started };
    } finally {
      // --rm covers the normal exit; this covers a killed client, a timeout, an abort.
      if (!spec.keep) await this.removeContainer(name);
      live.delete(name);
    }
  }

  async removeContainer(name: string): Promise<void> {
    await this.cli(removeArgv(this.dialect, name), { check: false });
  }

  async listContainers(prefix: string): Promise<Array<{ name: string; state: string }>> {
    const r = await this.cli(listContainersArgv(prefix), { check: false });
    return r.stdout
      .split('\n')
      .filter((l) => l.startsWith(prefix))
      .map((l) => {
        const [name = '', state = ''] = l.split('\t');
        return { name, state: state.toLowerCase() };
      });
  }

  async listImages(referencePrefix: string): Promise<ImageInfo[]> {
    const r = await this.cli(listImagesArgv(referencePrefix));
    const out: ImageInfo[] = [];
    for (const line of r.stdout.split('\n')) {
      const [ref, id, created, size] = line.split('\t');
      if (!ref || !id || ref.includes('<none>')) continue;
      out.push({ ref, id, created: created ?? '', size: size ?? '', labels: await this.imageLabels(ref) });
    }
    return out;
  }

  async removeImage(ref: string): Promise<void> {
    await this.cli(['rmi', ref], { errorCode: 'IMAGE_REMOVE_FAILED' });
  }

  async saveImages(refs: readonly string[], file: string): Promise<void> {
    // podman writes one image per archive unless asked; docker-archive keeps the tags.
    const multi = this.dialect.name === 'podman' ? ['--multi-image-archive', '--format', 'docker-archive'] : [];
    await this.cli(['save', ...multi, '-o', file, ...refs], { errorCode: 'IMAGE_SAVE_FAILED', timeoutMs: 30 * 60_000 });
  }

  async loadImages(file: string): Promise<void> {
    await this.cli(['load', '-i', file], {
      errorCode: 'IMAGE_LOAD_FAILED',
      timeoutMs: 30 * 60_000,
      fix: 'The archive is damaged or not an image archive: delete it (a build makes the images again).',
    });
  }
}

function normalizeId(id: string): string {
  if (!id) throw new PkgtrackError({ code: 'IMAGE_ID_MISSING', kind: 'internal', message: 'the engine printed no image id' });
  return id.startsWith('sha256:') ? id : `sha256:${id}`;
}

/** Buffers a stream's chunks and hands `sink` only complete lines (the rest at `end`). */
function wholeLines(sink: (chunk: string) => void): { push: (chunk: string) => void; end: () => void } {
  let rest = '';
  return {
    push: (chunk) => {
      const text = rest + chunk;
      const cut = text.lastIndexOf('\n') + 1;
      rest = text.slice(cut);
      if (cut > 0) sink(text.slice(0, cut));
    },
    end: () => {
      if (rest) sink(`${rest}\n`);
      rest = '';
    },
  };
}
