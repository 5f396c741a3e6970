/** The `check` use-cases the commands call. */
export * from './check.js';
