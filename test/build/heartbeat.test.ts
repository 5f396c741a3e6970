/** A long container build prints a progress line every minute with the last line of its output. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DebBuilder } from '../../src/builders/deb/index.js';
import { RpmBuilder } from '../../src/builders/rpm/index.js';
import { buildHeartbeat } from '../../src/services/build/steps.js';

afterEach(() => vi.useRealTimers());

describe('buildHeartbeat', () => {
  it('says how long and the last line, forwards every chunk, and stops', () => {
    vi.useFakeTimers();
    const steps: string[] = [];
    const forwarded: string[] = [];
    const hb = buildHeartbeat({ step: (m) => steps.push(m), warn() {}, debug() {} }, 'hello 1.0 for debian:bookworm', (c) =>
      forwarded.push(c),
    );
    hb.onOutput('make[1]: Entering directory\ngcc -c hel');
    hb.onOutput('lo.c\n\n');
    expect(forwarded).toEqual(['make[1]: Entering directory\ngcc -c hel', 'lo.c\n\n']);
    expect(steps).toEqual([]);
    vi.advanceTimersByTime(60_000);
    expect(steps).toEqual(['hello 1.0 for debian:bookworm: still building (1 min); last line: gcc -c hello.c']);
    vi.advanceTimersByTime(60_000);
    expect(steps[1]).toMatch(/still building \(2 min\)/);
    hb.stop();
    vi.advanceTimersByTime(180_000);
    expect(steps).toHaveLength(2);
  });

  it("announces each of the builder's phases once, in the order the output shows them, and streams lines to debug", () => {
    const steps: string[] = [];
    const debug: string[] = [];
    const phases = new DebBuilder().buildPhases;
    const hb = buildHeartbeat({ step: (m) => steps.push(m), warn() {}, debug: (m) => debug.push(m) }, 'x 1-1', () => {}, phases);
    hb.onOutput(' dpkg-source --before-build .\n debian/rules clean\n dpkg-source -b .\ndpkg-source: info: building x\n');
    hb.onOutput(' debian/rules build\n   dh_auto_configure\n   dh_auto_build\n   dh_auto_test\nPASS: 3\n');
    hb.onOutput(' fakeroot debian/rules binary\n   dh_auto_test\n dpkg-genbuildinfo\n dpkg-genchanges -O../x.changes\n');
    hb.stop();
    expect(steps).toEqual([
      'x 1-1: building the source package (dpkg-source -b)',
      'x 1-1: running debian/rules build',
      'x 1-1: configuring (dh_auto_configure)',
      'x 1-1: compiling (dh_auto_build)',
      'x 1-1: running the test suite (dh_auto_test)',
      'x 1-1: running debian/rules binary',
      'x 1-1: writing the .changes',
    ]);
    expect(debug[0]).toBe('|  dpkg-source --before-build .');
    expect(debug).toHaveLength(13);
  });

  it('follows a real rootless dpkg-buildpackage log (hello on bookworm: dh configures, compiles and tests inside debian/rules binary)', () => {
    const log = readFileSync(join(import.meta.dirname, 'fixtures/hello-bookworm-build.log'), 'utf8');
    const steps: string[] = [];
    const hb = buildHeartbeat({ step: (m) => steps.push(m), warn() {}, debug() {} }, 'hello', () => {}, new DebBuilder().buildPhases);
    // In chunks that cut lines, as the container's output arrives.
    for (let i = 0; i < log.length; i += 777) hb.onOutput(log.slice(i, i + 777));
    hb.stop();
    expect(steps).toEqual([
      'hello: building the source package (dpkg-source -b)',
      'hello: running debian/rules binary',
      'hello: configuring (dh_auto_configure)',
      'hello: compiling (dh_auto_build)',
      'hello: running the test suite (dh_auto_test)',
      'hello: installing into the package tree (dh_auto_install)',
      'hello: making the .deb files (dh_builddeb)',
      'hello: writing the .changes',
    ]);
  });

  it("knows rpmbuild's sections", () => {
    const steps: string[] = [];
    const hb = buildHeartbeat({ step: (m) => steps.push(m), warn() {}, debug() {} }, 'x', () => {}, new RpmBuilder().buildPhases);
    hb.onOutput('Executing(%prep): /bin/sh -e /var/tmp/rpm-tmp.1\nExecuting(%build): /bin/sh\nExecuting(%install): /bin/sh\n');
    hb.onOutput('Executing(%check): /bin/sh\nWrote: /work/x-1.src.rpm\nWrote: /work/x-1.noarch.rpm\n');
    hb.stop();
    expect(steps.map((m) => m.replace('x: ', ''))).toEqual([
      'unpacking and patching (%prep)',
      'compiling (%build)',
      'installing into the buildroot (%install)',
      'running the test suite (%check)',
      'writing the packages',
    ]);
  });
});
