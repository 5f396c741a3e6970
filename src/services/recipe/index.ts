/** The `recipe` use-cases the commands call. */
export * from './import.js';
export * from './recipes.js';
