/**
 * Container engine checks: which engine answers, rootless or not, the storage driver, and
 * whether a trivial container runs, with the workarounds this host needs (runtime, ulimits,
 * cgroup limits) found by probing; pkgtrack applies them as flags, never by editing system files.
 */
import { baseImageRef, ensureBaseImage } from '../../../containers/base-image.js';
import { detectEngine, surveyEngines } from '../../../containers/detect.js';
import { IMAGE_PREFIX } from '../../../containers/engine.js';
import { resolveTarget } from '../../../recipe/targets.js';
import type { DoctorCheck, Finding } from '../types.js';

export const containerChecks: DoctorCheck[] = [
  {
    id: 'container-engine',
    title: 'Container engine',
    async run() {
      const survey = await surveyEngines();
      const findings: Finding[] = [];
      for (const c of survey) {
        if (c.info) {
          const i = c.info;
          findings.push({
            id: `container.${c.name}`,
            status: 'ok',
            message: `${c.name} ${i.version} (${i.rootless ? 'rootless' : 'rootful'}, runtime ${i.runtime || '?'}, cgroups ${i.cgroupVersion || '?'})`,
            details: { ...i },
          });
          findings.push(
            i.storageDriver === 'overlay' || i.storageDriver === 'overlay2'
              ? { id: `container.${c.name}.storage`, status: 'ok', message: `storage driver ${i.storageDriver}` }
              : {
                  id: `container.${c.name}.storage`,
                  status: 'warn',
                  message: `storage driver ${i.storageDriver || 'unknown'}: works, but every layer is a full copy (slow, disk-hungry)`,
                  fix: 'Install fuse-overlayfs (rootless) or use a file system that supports overlay; then `podman system reset`.',
                },
          );
        } else {
          findings.push({
            id: `container.${c.name}`,
            status: c.installed ? 'warn' : 'skip',
            message: c.installed ? `${c.name} CLI is installed but does not answer: ${c.problem}` : `${c.name} is not installed`,
          });
        }
      }
      if (!survey.some((c) => c.info)) {
        findings.push({
          id: 'container.engine',
          status: 'error',
          message: 'no usable container engine; builds cannot run',
          fix: 'apt-get install podman runc uidmap slirp4netns fuse-overlayfs',
        });
      }
      return findings;
    },
  },
  {
    id: 'container-run',
    title: 'Running build containers',
    async run() {
      let engine: Awaited<ReturnType<typeof detectEngine>>;
      try {
        engine = await detectEngine();
      } catch (e) {
        return [{ id: 'container.run', status: 'skip', message: `no engine to try: ${(e as Error).message}` }];
      }
      const images = await engine.listImages(`${IMAGE_PREFIX}base`);
      const image = images[0]?.ref;
      if (!image) {
        return [
          {
            id: 'container.run',
            status: 'warn',
            message: 'no base image yet, so running a container was not tried',
            fix: 'Run `pkgtrack image build` (or `pkgtrack doctor --fix`) to bootstrap debian:bookworm.',
            fixable: true,
          },
        ];
      }
      const p = await engine.probe(image, { force: true });
      if (!p.ok) {
        return [
          {
            id: 'container.run',
            status: 'error',
            message: `${engine.name} cannot run a container from ${image}: ${p.error ?? ''}`,
            fix: 'Check `podman run --rm --runtime runc <image> true` by hand; install runc if it is missing.',
            details: { workarounds: p.workarounds },
          },
        ];
      }
      const findings: Finding[] = [
        {
          id: 'container.run',
          status: 'ok',
          message: p.workarounds.length
            ? `containers run, with ${p.workarounds.length} workaround(s)`
            : 'containers run with the engine defaults',
          details: { image, globalFlags: p.globalFlags, runFlags: p.runFlags, limitsUnsupported: p.limitsUnsupported },
        },
      ];
      for (const [i, w] of p.workarounds.entries()) {
        findings.push({ id: `container.workaround.${i + 1}`, status: 'ok', message: `working around: ${w}` });
      }
      for (const i of images) {
        findings.push({
          id: `container.image.${i.ref}`,
          status: 'ok',
          message: `${i.ref}: ${i.labels['org.pkgtrack.origin'] ?? 'unknown origin'} (${i.labels['org.pkgtrack.source'] ?? ''})`,
        });
      }
      return findings;
    },
    async fix(ctx) {
      const engine = await detectEngine();
      const target = resolveTarget('debian:bookworm')!;
      const b = await ensureBaseImage(engine, target, ctx.progress);
      return [`${baseImageRef(target)}: ${b.origin} from ${b.source}`];
    },
  },
];
