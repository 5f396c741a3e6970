/** The `nightly` use-cases the commands call. */
export * from './nightly.js';
