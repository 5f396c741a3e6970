/**
 * Debug-symbol packages and the suite they are published to, as the distros do it: Debian puts
 * the automatic `-dbgsym` packages in a separate archive, suite `<suite>-debug`
 * (deb.debian.org/debian-debug, `bookworm-debug main`); Fedora/RHEL put `-debuginfo` and
 * `-debugsource` rpms in a separate `debug` repository. Published next to the packages they
 * would bloat every user's Packages/primary with files nobody but a debugger wants.
 *
 * A .deb is a debug-symbol package when its control says so (`Package: *-dbgsym` and
 * `Auto-Built-Package: debug-symbols`, as dh_strip writes), an .rpm when its header's Name ends
 * in -debuginfo or -debugsource. Only files whose name suggests it are opened (a publish of
 * thousands of packages must not read each one twice); the apt format refuses a debug-symbols
 * package that reached a main suite under another file name (`refuseDebugInMainSuite`).
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { inputError } from '../core/errors.js';
import { readDebControl } from '../formats/deb-control.js';
import { getField, type Field } from '../formats/deb822.js';
import { readRpm } from '../formats/rpm/package.js';

export const DEBUG_SUITE_SUFFIX = '-debug';

/** The suite (apt) or repository path (yum) the debug symbols of `suite` go to. */
export const debugSuiteOf = (suite: string): string => `${suite}${DEBUG_SUITE_SUFFIX}`;

export const isDebugSuite = (suite: string): boolean => suite.endsWith(DEBUG_SUITE_SUFFIX) && suite !== DEBUG_SUITE_SUFFIX;

/** The suite a debug suite holds the symbols of (`bookworm-debug` → `bookworm`); itself otherwise. */
export const mainSuiteOf = (suite: string): string => (isDebugSuite(suite) ? suite.slice(0, -DEBUG_SUITE_SUFFIX.length) : suite);

/** True when a .deb's control fields are those of an automatic debug-symbols package. */
export function isDebugSymbolsControl(fields: readonly Field[]): boolean {
  return !!getField([...fields], 'Package')?.endsWith('-dbgsym') && getField([...fields], 'Auto-Built-Package') === 'debug-symbols';
}

/** True for an rpm Name of a debug package (rpm's find-debuginfo names them so). */
export const isDebugRpmName = (name: string): boolean => /-debug(info|source)$/.test(name);

/** The debug-symbol packages a package `name` has in its debug suite, by the distros' naming. */
export const debugPackageNames = (kind: 'apt' | 'yum', name: string): string[] =>
  kind === 'apt' ? [`${name}-dbgsym`] : [`${name}-debuginfo`, `${name}-debugsource`];

/** `<name>-dbgsym_<version>_<arch>.deb` (or a .ddeb), `<name>-debuginfo-…rpm`, `<name>-debugsource-…rpm`. */
const DEBUG_FILE_NAME = /(-dbgsym_[^_/]+_[^_/]+\.deb|\.ddeb|-debug(info|source)-[^/]+\.rpm)$/;

/** Whether the package file at `path` holds debug symbols (read only when its name suggests it). */
export async function isDebugPackageFile(path: string): Promise<boolean> {
  if (!DEBUG_FILE_NAME.test(basename(path))) return false;
  const bytes = await readFile(path);
  if (path.endsWith('.rpm')) return isDebugRpmName(readRpm(bytes, path).name);
  return isDebugSymbolsControl(readDebControl(bytes, path).control.fields);
}

/** A debug-symbols .deb on its way into a main suite (a file renamed past the name check): refused. */
export function refuseDebugInMainSuite(suite: string, file: string, fields: readonly Field[]): void {
  if (isDebugSuite(suite) || !isDebugSymbolsControl(fields)) return;
  throw inputError(
    'PUBLISH_DEBUG_IN_MAIN_SUITE',
    `${file} is a debug-symbols package (${getField([...fields], 'Package')}) but was to be published to the main suite ${suite}`,
    `Name it as dh_strip does (<package>-dbgsym_<version>_<arch>.deb) so publish puts it in ${debugSuiteOf(suite)}, or publish it there with --suite ${debugSuiteOf(suite)}.`,
    { file, field: 'Auto-Built-Package' },
  );
}
