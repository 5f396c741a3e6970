import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 600_000,
    pool: 'forks',
    // Container and repository tests share podman and the image cache: keep files sequential
    // unless they declare themselves safe (they are in test/unit/ and test/formats/).
    fileParallelism: true,
    maxWorkers: 2,
    reporters: ['default'],
    // Corpora are fetched here, asynchronously, not by the first test that needs them (see the file).
    globalSetup: ['test/global-setup.ts'],
    // oclif writes through console.log; @oclif/test captures process.stdout, so vitest must not intercept.
    disableConsoleIntercept: true,
  },
});
