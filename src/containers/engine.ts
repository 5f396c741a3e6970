/**
 * The ContainerEngine port. podman and docker implement it over their CLIs (argv arrays through
 * core/exec, never a shell string). Services build images and run builds only through it.
 */
import type { WriteStream } from 'node:fs';
import type { Progress } from '../core/progress.js';

export type EngineName = 'podman' | 'docker';

export interface Mount {
  host: string;
  container: string;
  readOnly?: boolean;
}

export interface ResourceLimits {
  /** e.g. `4g`. */
  memory?: string;
  cpus?: number;
  pids?: number;
}

export interface RunSpec {
  image: string;
  argv: string[];
  /** Container name; generated (`pkgtrack-<random>`) when absent. */
  name?: string;
  mounts?: Mount[];
  workdir?: string;
  env?: Record<string, string>;
  /** `uid:gid` to run as; default the image's user (root). */
  user?: string;
  /** Debian architecture of the image when it is not the host's (run under qemu-user). */
  arch?: string;
  /** `none` for builds; `default` only for the dependency-install step. */
  network: 'none' | 'default';
  limits?: ResourceLimits;
  /** Root file system read-only; /tmp and $HOME become tmpfs. */
  readOnlyRoot?: boolean;
  /** Keep the container after exit (to commit it); the caller must remove it. Default: --rm. */
  keep?: boolean;
  /** Everything the container prints goes here. */
  log?: WriteStream;
  /** Called with whole lines of what the container prints, stdout and stderr (progress). */
  onOutput?: (chunk: string) => void;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface RunOutcome {
  code: number;
  name: string;
  /** Combined output (also in `log` when given). */
  output: string;
  durationMs: number;
}

export interface ImageInfo {
  /** `repository:tag`. */
  ref: string;
  id: string;
  created: string;
  size: string;
  labels: Record<string, string>;
}

/** What probing found out about running containers on this host and what we work around. */
export interface EngineProbe {
  ok: boolean;
  /** Flags placed before the subcommand (podman `--runtime runc`). */
  globalFlags: string[];
  /** Flags added to every run (`--ulimit nofile=1024:1024` ...). */
  runFlags: string[];
  /** Human descriptions of each workaround in use. */
  workarounds: string[];
  /** True when resource limits (--memory/--cpus/--pids-limit) are refused and dropped. */
  limitsUnsupported: boolean;
  /** The last error when ok is false. */
  error?: string;
}

export interface EngineInfo {
  name: EngineName;
  program: string;
  version: string;
  rootless: boolean;
  storageDriver: string;
  runtime: string;
  cgroupVersion: string;
}

export interface ContainerEngine {
  readonly name: EngineName;
  readonly program: string;
  info(): Promise<EngineInfo>;
  /**
   * Run a trivial container from `image` and find the flags this host needs (runtime, ulimits,
   * limits). Cached per host and engine version; `force` re-probes.
   */
  probe(image: string, opts?: { force?: boolean }): Promise<EngineProbe>;
  imageExists(ref: string): Promise<boolean>;
  /** Image id (sha256:...) or undefined when absent. */
  imageId(ref: string): Promise<string | undefined>;
  imageLabels(ref: string): Promise<Record<string, string>>;
  /** Try to pull (for `platform`, e.g. linux/arm64, when given); false (not an exception) when no registry answers. */
  pull(ref: string, progress: Progress, timeoutMs?: number, platform?: string): Promise<{ ok: boolean; error?: string }>;
  /** Import a root file system tarball as an image (of Debian architecture `arch`, default the host's); returns the image id. */
  importRootfs(tarball: string, ref: string, labels: Record<string, string>, arch?: string): Promise<string>;
  /** Commit a stopped container as an image; returns the image id. */
  commit(container: string, ref: string, labels: Record<string, string>): Promise<string>;
  tag(source: string, ref: string): Promise<void>;
  run(spec: RunSpec): Promise<RunOutcome>;
  /** Remove a container, running or not; no error when it is already gone. */
  removeContainer(name: string): Promise<void>;
  /** Containers (any state) whose name starts with `prefix`. */
  listContainers(prefix: string): Promise<Array<{ name: string; state: string }>>;
  listImages(referencePrefix: string): Promise<ImageInfo[]>;
  removeImage(ref: string): Promise<void>;
  /** Write images, tags and all layers, to one archive (CI caches builder images between runners). */
  saveImages(refs: readonly string[], file: string): Promise<void>;
  /** Read an archive `saveImages` wrote back into the image store. */
  loadImages(file: string): Promise<void>;
  /** How a non-root build user maps onto the host for a read-write work dir. */
  buildIdentity(): Promise<BuildIdentity>;
}

export interface BuildIdentity {
  /** `uid:gid` passed as --user. */
  user: string;
  /** Extra run flags (podman rootless: `--userns=keep-id`). */
  runFlags: string[];
  /** When set, the host work dir must be chowned to this uid/gid before the build (rootful engines run by root). */
  chownTo?: { uid: number; gid: number };
}

/** Names of every container pkgtrack starts begin with this, so leftovers can be found. */
export const CONTAINER_PREFIX = 'pkgtrack-';
/** Every image pkgtrack creates lives under this repository prefix. */
export const IMAGE_PREFIX = 'localhost/pkgtrack/';
