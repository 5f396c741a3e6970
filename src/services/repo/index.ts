/** The `repo` use-cases the commands call. */
export * from './repo.js';
export * from './try.js';
