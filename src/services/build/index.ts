/** The `build` use-cases the commands call. */
export * from './build.js';
