/** The `report` use-cases the commands call, and the report's model for their flags and results. */
export { PATCH_STATUSES, type PatchReport } from '../../report/model.js';
export * from './report.js';
