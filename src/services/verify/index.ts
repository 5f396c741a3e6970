/** The `verify` use-case the command calls. */
export * from './verify.js';
