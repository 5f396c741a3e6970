/**
 * Choosing the container engine: PKGTRACK_CONTAINER_ENGINE (podman|docker) when set, else podman
 * when it answers, else docker when its daemon answers. A docker CLI without a daemon does not
 * count as an engine.
 */
import { envError, type PkgtrackError } from '../core/errors.js';
import { hasProgram } from '../core/exec.js';
import type { ContainerEngine, EngineInfo, EngineName } from './engine.js';
import { DockerEngine } from './docker.js';
import { PodmanEngine } from './podman.js';

export interface EngineCandidate {
  name: EngineName;
  installed: boolean;
  /** Set when the CLI is installed and `info` answered. */
  info?: EngineInfo;
  /** Why it cannot be used. */
  problem?: string;
}

export function engineFor(name: EngineName): ContainerEngine {
  return name === 'docker' ? new DockerEngine() : new PodmanEngine();
}

/** Look at both engines; doctor shows all of this. */
export async function surveyEngines(): Promise<EngineCandidate[]> {
  const out: EngineCandidate[] = [];
  for (const name of ['podman', 'docker'] as const) {
    if (!(await hasProgram(name))) {
      out.push({ name, installed: false, problem: `${name} is not installed` });
      continue;
    }
    try {
      out.push({ name, installed: true, info: await engineFor(name).info() });
    } catch (e) {
      const msg = (e as PkgtrackError).message ?? String(e);
      out.push({ name, installed: true, problem: msg.split('\n').slice(-1)[0] ?? msg });
    }
  }
  return out;
}

export async function detectEngine(preferred = process.env.PKGTRACK_CONTAINER_ENGINE): Promise<ContainerEngine> {
  if (preferred && preferred !== 'podman' && preferred !== 'docker') {
    throw envError(
      'ENGINE_UNKNOWN',
      `PKGTRACK_CONTAINER_ENGINE=${preferred} is not an engine pkgtrack knows`,
      'Set it to podman or docker, or unset it.',
    );
  }
  const survey = await surveyEngines();
  const order = preferred ? [preferred] : ['podman', 'docker'];
  for (const name of order) {
    const c = survey.find((s) => s.name === name);
    if (c?.info) return engineFor(c.name);
  }
  const why = survey.map((s) => `${s.name}: ${s.problem ?? 'unusable'}`).join('; ');
  throw envError(
    'ENGINE_MISSING',
    `no usable container engine (${why})`,
    'Install podman: `apt-get install podman runc uidmap` (or start the docker daemon), then run `pkgtrack doctor`.',
  );
}
