/**
 * `npm run bench -- sign`: OpenPgpSigner (in-process, as publish uses it) against `gpg` (one
 * process per signature, as reprepro/aptly/apt-ftparchive users run it), same keys, same data:
 *   clearsign of a 10 KiB Release (InRelease), detached armored signature of a 1 MiB file,
 *   detached binary signature of a 64 KiB rpm header, for RSA-4096 (test fixture) and Ed25519.
 * Each cell is the median of RUNS runs of N signatures (env PKGTRACK_BENCH_RUNS, default 3).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { generateSigningKey } from '../src/sign/keys.js';
import { OpenPgpSigner } from '../src/sign/openpgp-signer.js';

const RUNS = Number(process.env.PKGTRACK_BENCH_RUNS ?? 3);
const N = 20;
const PASS = 'pkgtrack-test-passphrase';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function gpgHome(armoredPrivate: string): string {
  const home = mkdtempSync(join(tmpdir(), 'pkgtrack-bench-gpg-'));
  writeFileSync(join(home, 'gpg.conf'), `pinentry-mode loopback\npassphrase ${PASS}\nbatch\n`);
  writeFileSync(join(home, 'key.asc'), armoredPrivate);
  const r = spawnSync('gpg', ['--homedir', home, '--quiet', '--import', join(home, 'key.asc')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`gpg --import failed: ${r.stderr}`);
  return home;
}

async function time(f: () => Promise<void> | void): Promise<number> {
  const samples: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) await f();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6 / N);
  }
  return median(samples);
}

export default async function signBench(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'pkgtrack-bench-sign-'));
  const release = `${'SHA256:\n'}${Array.from({ length: 120 }, (_, i) => ` ${'ab'.repeat(32)} ${1000 + i} main/binary-amd64/Packages${i}.xz`).join('\n')}\n`;
  const big = new Uint8Array(1 << 20).map((_, i) => (i * 31) & 255);
  const header = big.subarray(0, 64 << 10);
  writeFileSync(join(work, 'Release'), release);
  writeFileSync(join(work, 'big'), big);
  writeFileSync(join(work, 'header'), header);

  const ed = await generateSigningKey({ type: 'ed25519', name: 'bench', expiresInSeconds: 86400 * 365, passphrase: PASS });
  const keys: Array<[string, string]> = [
    ['RSA-4096', readFileSync(join(import.meta.dirname, '../test/sign/fixtures/rsa4096.sec.asc'), 'utf8')],
    ['Ed25519', ed.privateKey],
  ];
  const rows: string[][] = [];
  const homes: string[] = [];
  for (const [label, armored] of keys) {
    const priv = await openpgp.decryptKey({ privateKey: await openpgp.readPrivateKey({ armoredKey: armored }), passphrase: PASS });
    const signer = await OpenPgpSigner.create([priv]);
    const home = gpgHome(armored);
    const gpg = (args: string[]) => () => {
      const r = spawnSync('gpg', ['--homedir', home, '--quiet', '--yes', ...args], { encoding: 'buffer' });
      if (r.status !== 0) throw new Error(`gpg ${args.join(' ')} failed: ${r.stderr}`);
    };
    const cases: Array<[string, () => Promise<unknown>, () => void]> = [
      [
        'clearsign 10 KiB Release',
        () => signer.clearsign(release),
        gpg(['--digest-algo', 'SHA512', '--clearsign', '-o', join(work, 'InRelease'), join(work, 'Release')]),
      ],
      [
        'detached armored 1 MiB',
        () => signer.detachSign(big),
        gpg(['--digest-algo', 'SHA512', '--armor', '--detach-sign', '-o', join(work, 'big.asc'), join(work, 'big')]),
      ],
      [
        'detached binary 64 KiB header',
        () => signer.detachSignBinary(header),
        gpg(['--digest-algo', 'SHA256', '--detach-sign', '-o', join(work, 'h.sig'), join(work, 'header')]),
      ],
    ];
    homes.push(home);
    for (const [what, ours, theirs] of cases) {
      const a = await time(async () => {
        await ours();
      });
      const b = await time(theirs);
      rows.push([label, what, a.toFixed(1), b.toFixed(1), (b / a).toFixed(2)]);
    }
  }
  // gpg started an agent per home: stop them.
  for (const h of homes) spawnSync('gpgconf', ['--homedir', h, '--kill', 'gpg-agent']);
  const head = ['key', 'operation', 'pkgtrack ms/sig', 'gpg ms/sig', 'gpg/pkgtrack'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(head));
  for (const r of rows) console.log(line(r));
  console.log(`(median of ${RUNS} runs × ${N} signatures; gpg = one process per signature, as repository tools run it,`);
  console.log(' with its agent warm and the passphrase given by loopback: the gap is mostly process and agent round-trips)');
}
