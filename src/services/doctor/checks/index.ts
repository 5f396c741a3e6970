/** Every doctor check, in the order doctor runs them. Each concept adds one line. */
import type { DoctorCheck } from '../types.js';
import { aptRepoChecks } from './apt-repo.js';
import { archChecks } from './arches.js';
import { containerChecks } from './containers.js';
import { githubChecks } from './github.js';
import { hostChecks } from './host.js';
import { objectStorageChecks } from './object-storage.js';
import { rpmChecks } from './rpm.js';
import { signingChecks } from './signing.js';
import { sourcesChecks } from './sources.js';

export const DOCTOR_CHECKS: DoctorCheck[] = [
  ...hostChecks,
  ...containerChecks,
  ...archChecks,
  ...rpmChecks,
  ...signingChecks,
  ...sourcesChecks,
  ...githubChecks,
  ...aptRepoChecks,
  ...objectStorageChecks,
];
