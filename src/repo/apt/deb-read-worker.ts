/**
 * Worker of DebReadPool: reads one .deb, hashes it, extracts its control stanza and (when
 * asked) writes the pool copy beside its pool path, off the main thread; or lists its files
 * (Contents). Written into the pool's own directories, as reprepro does, not all into one
 * staging directory: a cold publish of 1,200 .debs was ~12% faster so (one directory's lock and
 * block group shared by every new file).
 */
import { createHash } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parentPort } from 'node:worker_threads';
import { linkIfUnchanged, readFileWithStat } from '../../core/fsutil.js';
import { serveJobs } from '../../core/worker-pool.js';
import { debDataFiles, tarDataFiles } from '../../formats/deb-contents.js';
import { readCheckedDeb } from '../../formats/deb-control.js';
import { poolTemp } from '../temp-names.js';
import type { DebJob } from './deb-read-pool.js';
import { debPoolPath } from './layout.js';
import { makeDirsSync } from '../../core/dirs.js';

serveJobs(parentPort, async ({ path, stage, listFiles, alsoList }: DebJob) => {
  const { bytes, ctimeUs, ino, mtimeMs } = readFileWithStat(path);
  if (listFiles) return { files: await debDataFiles(bytes, path) };
  const { control, dataTar } = await readCheckedDeb(bytes, path);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  // The data tar the check inflated anyway is listed as it is (not inflated a second time).
  const files = alsoList ? (dataTar ? tarDataFiles(dataTar.tar, `${path}:${dataTar.member}`) : await debDataFiles(bytes, path)) : undefined;
  const deb = { control: control.fields, size: bytes.length, sha256, ctimeUs, ino, ...(files ? { files } : {}) };
  if (!stage) return { deb };
  // The pool copy from the bytes in hand: one write, no second read of the file.
  const dest = join(stage.root, debPoolPath(control.fields, stage.component, path).filename);
  const made = makeDirsSync(dirname(dest));
  // Already in the pool (the same package into another suite): no copy; the main thread compares.
  if (!made && existsSync(dest)) return { deb };
  const staged = poolTemp(dest, stage.tag);
  // A scratch pool's link saves writing every new package again (1.3 s of an 85 MB cold publish
  // to a bucket, on a runner's disk).
  if (!(stage.link && linkIfUnchanged(path, staged, { ino, size: bytes.length, mtimeMs }))) writeFileSync(staged, bytes, { flag: 'wx' });
  return { deb: { ...deb, staged, ...(made ? { madeDir: dirname(dest), madeFrom: made } : {}) } };
});
