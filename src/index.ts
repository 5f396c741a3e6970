export { PkgtrackError, PkgtrackErrors } from './core/errors.js';
