/**
 * The apt peers of the scale bench, as side-by-side tools (harness.ts benchSideBySide): a cold
 * publish of every .deb, then adding one (`extra`) to that repository, removed again before
 * each later round.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Sample, sh, sum } from './harness.js';

export interface Tool {
  name: string;
  setup: (run: number) => void;
  run: () => Sample;
}

export interface PeerRepo {
  cold: Tool;
  add: Tool;
  /** The folder holding the last cold repository's dists/. */
  published(): string;
}

interface PeerOptions {
  /** A new folder for a tool's repository. */
  fresh: (name: string) => string;
  key: { fpr: string };
  env: NodeJS.ProcessEnv;
  extra: string;
  /** Write Contents-<arch>.gz too. */
  contents: boolean;
}

/** reprepro includedeb, Packages .gz and .xz like pkgtrack (`contents`: `Contents: .gz` too). */
export function reprepro(o: PeerOptions & { debs: readonly string[] }): PeerRepo {
  let rr = '';
  // 10,000 paths a call: 100,000 do not fit in one argv (E2BIG). Like one call: the indexes are
  // exported once, after the last batch (not after each); the calls' times are summed.
  const batches = Array.from({ length: Math.ceil(o.debs.length / 10_000) }, (_, i) => o.debs.slice(i * 10_000, (i + 1) * 10_000));
  const cold: Tool = {
    name: 'reprepro',
    setup: () => {
      rr = o.fresh('reprepro');
      mkdirSync(join(rr, 'conf'), { recursive: true });
      writeFileSync(
        join(rr, 'conf/distributions'),
        `Origin: bench\nLabel: bench\nCodename: bookworm\nArchitectures: amd64\nComponents: main\nSignWith: ${o.key.fpr}\nDebIndices: Packages Release . .gz .xz\n${o.contents ? 'Contents: .gz\n' : ''}`,
      );
    },
    run: () =>
      batches.length === 1
        ? sh('reprepro', ['-b', rr, 'includedeb', 'bookworm', ...o.debs], { env: o.env })
        : sum([
            ...batches.map((b) => sh('reprepro', ['-b', rr, '--export=silent-never', 'includedeb', 'bookworm', ...b], { env: o.env })),
            sh('reprepro', ['-b', rr, 'export', 'bookworm'], { env: o.env }),
          ]),
  };
  const add: Tool = {
    name: 'reprepro',
    setup: (i) => {
      if (i > 0) sh('reprepro', ['-b', rr, 'remove', 'bookworm', 'bench-added'], { env: o.env });
    },
    run: () => sh('reprepro', ['-b', rr, 'includedeb', 'bookworm', o.extra], { env: o.env }),
  };
  return { cold, add, published: () => rr };
}

/**
 * aptly repo add + publish repo / publish update. aptly writes Contents unless told
 * `-skip-contents`: without `contents` it is, like for like with tools that write none.
 */
export function aptly(o: PeerOptions & { debsDir: string }): PeerRepo {
  let conf = '';
  const run = (args: string[]) => sh('aptly', [`-config=${conf}`, ...args], { env: o.env });
  const publish = [`-gpg-key=${o.key.fpr}`, '-batch', ...(o.contents ? [] : ['-skip-contents'])];
  const cold: Tool = {
    name: 'aptly',
    setup: () => {
      const dir = o.fresh('aptly');
      conf = `${dir}.conf`;
      writeFileSync(conf, JSON.stringify({ rootDir: dir, gpgProvider: 'gpg', architectures: ['amd64'] }));
      run(['repo', 'create', '-distribution=bookworm', '-component=main', 'bench']);
    },
    run: () => sum([run(['repo', 'add', 'bench', o.debsDir]), run(['publish', 'repo', ...publish, 'bench'])]),
  };
  const add: Tool = {
    name: 'aptly',
    setup: (i) => {
      if (i > 0) run(['repo', 'remove', 'bench', 'bench-added']);
    },
    run: () => sum([run(['repo', 'add', 'bench', o.extra]), run(['publish', 'update', ...publish, 'bookworm'])]),
  };
  return { cold, add, published: () => join(conf.slice(0, -'.conf'.length), 'public') };
}
