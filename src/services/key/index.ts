/** The `key` use-cases the commands call. */
export * from './commands.js';
export * from './files.js';
