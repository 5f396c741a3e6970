/** A writer thread of site-files.ts: page files (and packages' files, rendered here) written while the main thread goes on. */
import { parentPort } from 'node:worker_threads';
import { serveJobs } from '../../core/worker-pool.js';
import { type SiteWriteBatch, writeSiteItem } from './site-files.js';

const madeDirs = new Set<string>();
serveJobs(parentPort, ({ out, staging, items }: SiteWriteBatch) => ({
  staged: items.flatMap((item) => writeSiteItem(out, staging, item, madeDirs)),
}));
