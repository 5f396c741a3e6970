/** The `init` use-cases the commands call. */
export * from './init.js';
