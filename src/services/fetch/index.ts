/** The `fetch` use-cases the commands call. */
export * from './fetch.js';
