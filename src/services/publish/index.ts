/** The `publish` use-cases the commands call. */
export { type DebugSuiteNote, debugSuiteLines } from './debug-route.js';
export * from './git.js';
export * from './inputs.js';
export * from './publish.js';
export * from './s3-summary.js';
