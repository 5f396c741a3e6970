/** The `report` use-cases the commands call. */
export * from './report.js';
