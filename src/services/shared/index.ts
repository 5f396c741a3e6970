/** The `shared` use-cases the commands call. */
export * from './recipes-repository.js';
