/** The `ci` use-cases the commands call. */
export * from './matrix.js';
export * from './vendor.js';
export * from './attempts.js';
