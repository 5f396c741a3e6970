/** The `publish` use-cases the commands call. */
export * from './git.js';
export * from './inputs.js';
export * from './publish.js';
export * from './s3-summary.js';
