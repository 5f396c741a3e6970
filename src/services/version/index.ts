/** The `version` use-cases the commands call. */
export * from './compare.js';
