/**
 * The site's writer thread: writes its share of a big site write (writeSiteFiles) while the main
 * thread writes the rest, each on its own core and in its own folders (a directory takes one
 * file creation at a time).
 */
import { parentPort } from 'node:worker_threads';
import { serveJobs } from '../../core/worker-pool.js';
import { type FileToWrite, writeSiteFiles } from './write-files.js';

export interface SiteWriteJob {
  out: string;
  staging: string;
  files: FileToWrite[];
}

serveJobs(parentPort, ({ out, staging, files }: SiteWriteJob) => ({ staged: writeSiteFiles(out, staging, files, false) }));
