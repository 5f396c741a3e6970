/** The `patches` use-cases the commands call. */
export * from './forward.js';
export * from './rebase.js';
export * from './status.js';
export * from './drop.js';
