/** The `site` use-cases the commands call. */
export * from './gather.js';
export * from './site.js';
