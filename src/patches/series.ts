/**
 * quilt `series` files, as dpkg-source and quilt read them: one patch per line, `#` starts a
 * comment (at line start or after whitespace), blank lines ignored, optional `-pN` after the
 * name (default -p1). Pure.
 */
import { inputError } from '../core/errors.js';

export interface SeriesEntry {
  /** Patch file name relative to the patches directory, e.g. `fix-build.patch`. */
  name: string;
  /** Leading path components stripped from file names in the patch (quilt -pN). */
  strip: number;
  /** 1-based line in the series file. */
  line: number;
  /** Options as written after the name, e.g. ['-p0']. */
  options: string[];
}

export function parseSeries(text: string, file = 'patches/series'): SeriesEntry[] {
  const entries: SeriesEntry[] = [];
  const seen = new Map<string, number>();
  text.split('\n').forEach((raw, i) => {
    const line = i + 1;
    const content = raw.replace(/(?:^|\s+)#.*$/, '').trim();
    if (!content) return;
    const [name, ...options] = content.split(/\s+/);
    if (!name) return;
    let strip = 1;
    for (let k = 0; k < options.length; k++) {
      const opt = options[k]!;
      const m = /^-p(\d+)$/.exec(opt);
      if (m) strip = Number(m[1]);
      else if (opt === '-p' && /^\d+$/.test(options[k + 1] ?? '')) strip = Number(options[++k]);
      else {
        throw inputError(
          'SERIES_OPTION',
          `unsupported option "${opt}" for ${name}`,
          'Only -pN is supported in a series file (as in dpkg-source).',
          {
            file,
            line,
          },
        );
      }
    }
    // -p99999999999999999999 reads as 1e20, which formatSeries would write back as "-p1e+20".
    if (!Number.isSafeInteger(strip)) {
      throw inputError(
        'SERIES_OPTION',
        `"${options.join(' ')}" for ${name} is no usable strip level`,
        'Write the -pN level the patch needs (usually -p1).',
        {
          file,
          line,
        },
      );
    }
    checkPatchName(name, file, line);
    const before = seen.get(name);
    if (before !== undefined) {
      throw inputError('SERIES_DUPLICATE', `${name} is listed twice (lines ${before} and ${line})`, 'Remove one of the two lines.', {
        file,
        line,
      });
    }
    seen.set(name, line);
    entries.push({ name, strip, line, options });
  });
  return entries;
}

/** A series entry must name a file inside the patches directory. */
export function checkPatchName(name: string, file: string, line?: number): void {
  if (name.startsWith('/') || name.split('/').some((c) => c === '..' || c === '') || /[\u0000-\u001f\u007f\\]/.test(name)) {
    throw inputError(
      'SERIES_PATH',
      `patch name "${name.replace(/[\u0000-\u001f]/g, '?')}" leaves the patches directory`,
      'Name patches by a relative path inside patches/, without "..".',
      {
        file,
        ...(line === undefined ? {} : { line }),
      },
    );
  }
}

export function formatSeries(entries: readonly Pick<SeriesEntry, 'name' | 'strip'>[]): string {
  return entries.map((e) => (e.strip === 1 ? e.name : `${e.name} -p${e.strip}`)).join('\n') + (entries.length ? '\n' : '');
}
