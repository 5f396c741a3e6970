/**
 * `npm run bench -- s3`: publishing to object storage, pkgtrack vs aptly (`publish repo` /
 * `publish update` to an S3 endpoint) on the same local S3 server (Ceph RGW, scripts/ceph-s3-server.sh), on the
 * real-.deb corpus of the apt bench (.cache/deb-corpus, `scripts/fetch-deb-corpus.ts`):
 *
 *   1. cold publish of the corpus into an empty prefix (with the web page, and once more without)
 *   2. add one package and republish
 *   3. a no-change publish (pkgtrack: uploads nothing)
 *
 * Wall time of whole processes, median of PKGTRACK_BENCH_RUNS runs (default 3), as ratios,
 * and the number of S3 requests each tool made (from radosgw's request log). pkgtrack runs the
 * way users run it: inside a recipes repository, so every publish also updates the web page in
 * the bucket (aptly has none).
 *
 * Then the same steps across a network: a proxy in front of the same RGW delays every byte so
 * that each request costs a round trip (PKGTRACK_BENCH_S3_RTT_MS, default 20; 0 skips; runs:
 * PKGTRACK_BENCH_S3_RTT_RUNS, default 1). On 127.0.0.1 a request costs only the CPU of both
 * ends on this machine's two cores, which hides what a real store charges per request: the
 * round trip a publisher waits for unless it keeps many requests in flight.
 * Needs `npm run build` first.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tempDir } from '../test/helpers/cli.js';
import { rgwRequestLines, type S3Server, s3Client, startS3Server, withLatency } from '../test/helpers/s3-server.js';
import { buildDeb, makeKey } from '../test/repo/apt-helpers.js';

const ROOT = resolve(import.meta.dirname, '..');
const RUNS = Number(process.env.PKGTRACK_BENCH_RUNS ?? 3);
/** Round trip the second set of rows adds (0: skip them). */
const RTT_MS = Number(process.env.PKGTRACK_BENCH_S3_RTT_MS ?? 20);

/** Run in `cwd`: aptly in the work folder, pkgtrack in a recipes repository of its own (not this checkout's example). */
function timed(program: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): number {
  const t = performance.now();
  const r = spawnSync(program, args, { env, cwd, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`${program} ${args.join(' ')} failed (${r.status}):\n${r.stderr}\n${r.stdout}`.slice(0, 3000));
  return (performance.now() - t) / 1000;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One object written, read and deleted before anything is timed. */
async function warmUp(s3: S3Server): Promise<void> {
  const { PutObjectCommand, GetObjectCommand, DeleteObjectCommand } = await import('@aws-sdk/client-s3');
  const client = await s3Client(s3);
  try {
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'warm-up', Body: 'x' }));
    await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: 'warm-up' }));
    await client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: 'warm-up' }));
  } finally {
    client.destroy();
  }
}

/** Requests radosgw has served so far (its log is flushed within a moment). */
async function requestCount(dataDir: string): Promise<number> {
  await sleep(500);
  return rgwRequestLines(dataDir).length;
}

/** One tool's and step's wall times (one per run) and the requests its last run made. */
type Rows = Array<[step: string, pk: number[], aptly: number[], reqs: string]>;

/**
 * Both tools through the same steps against `s3` (the server, or the server behind a latency
 * proxy), each into prefixes of its own named by `tag`.
 */
async function measure(
  s3: S3Server,
  tag: string,
  runs: number,
  ctx: { work: string; corpus: string; extra: string; recipes: string; key: ReturnType<typeof makeKey> },
): Promise<Rows> {
  const { work, corpus, extra, recipes, key } = ctx;
  const env = { ...process.env, ...s3.env, GNUPGHOME: join(work, 'gnupg') };
  const pk = (prefix: string, input: string, cwd = recipes) =>
    timed(
      process.execPath,
      [
        join(ROOT, 'bin/run.js'),
        'publish',
        '--key',
        key.secret,
        '--to',
        `s3://bench/${tag}pk-${prefix}`,
        '--suite',
        'bookworm',
        '--keep',
        '0',
        input,
      ],
      env,
      cwd,
    );
  /** Requests of the last run of each tool and step. */
  const reqs = new Map<string, number>();
  const counted = async (what: string, run: () => number): Promise<number> => {
    const before = await requestCount(s3.dataDir);
    const t = run();
    reqs.set(what, (await requestCount(s3.dataDir)) - before);
    return t;
  };
  const cold: [number[], number[]] = [[], []];
  /** The same cold publish outside a recipes repository: the repository alone, as aptly publishes it. */
  const coldBare: [number[], number[]] = [[], []];
  const add: [number[], number[]] = [[], []];
  const same: [number[], number[]] = [[], []];
  for (let run = 0; run < runs; run++) {
    const conf = join(work, `aptly-${tag}${run}.conf`);
    writeFileSync(
      conf,
      JSON.stringify({
        rootDir: join(work, `aptly-${tag}${run}`),
        gpgProvider: 'gpg',
        architectures: ['amd64'],
        S3PublishEndpoints: {
          bench: {
            region: 'us-east-1',
            bucket: 'bench',
            endpoint: s3.endpoint,
            awsAccessKeyID: s3.env.AWS_ACCESS_KEY_ID,
            awsSecretAccessKey: s3.env.AWS_SECRET_ACCESS_KEY,
            prefix: `${tag}aptly-${run}`,
            forceSigV2: false,
          },
        },
      }),
    );
    const aptly = (args: string[]) => timed('aptly', [`-config=${conf}`, ...args], env, work);
    const sign = [`-gpg-key=${key.fingerprint}`, '-batch'];
    aptly(['repo', 'create', '-distribution=bookworm', '-component=main', 'bench']);
    cold[0].push(await counted('pk cold publish', () => pk(`${run}`, corpus)));
    coldBare[0].push(await counted('pk cold publish, no web page', () => pk(`bare-${run}`, corpus, work)));
    cold[1].push(
      await counted(
        'aptly cold publish',
        () => aptly(['repo', 'add', 'bench', corpus]) + aptly(['publish', 'repo', ...sign, 'bench', 's3:bench:']),
      ),
    );
    add[0].push(await counted('pk add one + republish', () => pk(`${run}`, extra)));
    add[1].push(
      await counted(
        'aptly add one + republish',
        () => aptly(['repo', 'add', 'bench', extra]) + aptly(['publish', 'update', ...sign, 'bookworm', 's3:bench:']),
      ),
    );
    same[0].push(await counted('pk no-change republish', () => pk(`${run}`, extra)));
    same[1].push(await counted('aptly no-change republish', () => aptly(['publish', 'update', ...sign, 'bookworm', 's3:bench:'])));
  }
  // aptly's cold publish is measured once; it is the peer of both pkgtrack rows.
  reqs.set('aptly cold publish, no web page', reqs.get('aptly cold publish')!);
  const steps: Array<[string, [number[], number[]]]> = [
    ['cold publish', cold],
    ['cold publish, no web page', [coldBare[0], cold[1]]],
    ['add one + republish', add],
    ['no-change republish', same],
  ];
  return steps.map(([step, [p, a]]) => [step, p, a, `${reqs.get(`pk ${step}`)}/${reqs.get(`aptly ${step}`)}`]);
}

function print(title: string, rows: Rows): void {
  console.log(title);
  console.log('step                       pkgtrack    aptly   pkgtrack/aptly   S3 requests pkgtrack/aptly');
  for (const [step, p, a, reqs] of rows) {
    console.log(
      `${step.padEnd(27)}${median(p).toFixed(2).padStart(8)} ${median(a).toFixed(2).padStart(8)}   ${`${(median(p) / median(a)).toFixed(2)}x`.padEnd(17)}${reqs}`,
    );
  }
}

export default async function bench(): Promise<void> {
  const corpus = join(ROOT, '.cache/deb-corpus/debs');
  if (!existsSync(corpus))
    execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/fetch-deb-corpus.ts')], { stdio: 'inherit', cwd: ROOT });
  const debs = readdirSync(corpus).filter((f) => f.endsWith('.deb')).length;
  const s3 = await startS3Server('bench', { kind: 'ceph' });
  const work = tempDir('pkgtrack-bench-s3-');
  try {
    const key = makeKey(work);
    const extra = buildDeb(work, 'bench-added', '1.0-1', { arch: 'amd64' });
    // A recipes repository as `pkgtrack init` would start it: the page goes into the bucket too.
    const recipes = join(work, 'recipes-repo');
    mkdirSync(join(recipes, 'recipes'), { recursive: true });
    writeFileSync(
      join(recipes, 'pkgtrack.yaml'),
      `name: bench\norigin: Bench\nlabel: Bench\nmaintainer: Bench <bench@example.org>\nurl: ${s3.httpUrl('')}\n`,
    );
    const ctx = { work, corpus, extra, recipes, key };
    // A fresh radosgw spends its first request or two setting the bucket up (~1.7 s here): not either tool's time.
    await warmUp(s3);
    print(`s3 publish, ${debs} real .debs, local Ceph RGW, median of ${RUNS} (wall seconds)`, await measure(s3, '', RUNS, ctx));
    if (RTT_MS > 0) {
      const far = await withLatency(s3, RTT_MS / 2);
      try {
        const runs = Math.min(RUNS, Number(process.env.PKGTRACK_BENCH_S3_RTT_RUNS ?? 1));
        print(
          `\nthe same across a network: ${RTT_MS} ms round trip added by a proxy in front of the same RGW (a CI runner to S3 or R2), median of ${runs}`,
          await measure(far, 'far-', runs, ctx),
        );
      } finally {
        await far.close();
      }
    }
  } finally {
    await s3.close();
  }
}
