import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * The fast tier (`npm run test:unit`): tests that need no host tool (no dpkg, gpg, podman, git)
 * and no build (`dist/`), under a minute. Checked by running them with PATH holding only node and
 * no dist/; a test that starts needing a tool belongs in the full suite (`npm test`) instead.
 */
export const UNIT_TESTS = [
  'test/architecture/*.test.ts',
  'test/core/*.test.ts',
  'test/formats/deb822.test.ts',
  'test/formats/dsc.test.ts',
  'test/formats/user-files.test.ts',
  'test/recipe/load.test.ts',
  'test/state/store.test.ts',
  'test/ci/matrix-cap.test.ts',
  'test/build/inputs.test.ts',
  'test/buildd/settings.test.ts',
  'test/build/heartbeat.test.ts',
  'test/build/build-failed.test.ts',
  'test/containers/argv.test.ts',
  'test/patches/model.test.ts',
  'test/patches/hostile-patches.test.ts',
  'test/sign/import.test.ts',
  'test/site/render.test.ts',
  'test/init/workflow-github-parser.test.ts',
  'test/upstream/github.test.ts',
  'test/upstream/fake-github.test.ts',
  'test/upstream/doctor-github.test.ts',
  'test/upstream/http.test.ts',
  'test/upstream/watch-import.test.ts',
];

// Not mergeConfig: it would append to the full suite's include list instead of replacing it.
export default defineConfig({ ...base, test: { ...base.test, include: UNIT_TESTS, globalSetup: [] } });
