/** A writer thread of site-files.ts: page files written as the main thread renders the next. */
import { parentPort } from 'node:worker_threads';
import { serveJobs } from '../../core/worker-pool.js';
import { type SiteWriteBatch, writeSiteFile } from './site-files.js';

const madeDirs = new Set<string>();
serveJobs(parentPort, ({ out, staging, files }: SiteWriteBatch) => ({
  staged: files.map((f) => writeSiteFile(out, staging, f, madeDirs)),
}));
