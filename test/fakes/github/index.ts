/** The fake GitHub API (tests and benchmarks): start it with fixture repositories. */
export { githubSchema, NODE_LIMIT, runGraphql } from './graphql.js';
export * from './model.js';
export * from './server.js';
