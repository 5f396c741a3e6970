/**
 * Which of the page's files are in place, for a page write that does not take its record's word
 * (`pkgtrack site`). Each directory is listed once, when a file in it is first asked about: the
 * check used to lstat every file with one await each (300,000 at 100,000 packages: ~10 s of a
 * 12 s `pkgtrack site` that then wrote one file). Two listings answer the same for all of them.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isAbsent } from '../../core/fsutil.js';

export class SiteFilePresence {
  /** Per directory (site-relative, '' for the top): the names of its regular files; null when it is not a directory. */
  private readonly listings = new Map<string, ReadonlySet<string> | null>();

  constructor(private readonly root: string) {}

  /** True when site path `rel` is a regular file (as lstat sees it: a symlink is not). */
  has(rel: string): boolean {
    const slash = rel.lastIndexOf('/');
    const dir = slash < 0 ? '' : rel.slice(0, slash);
    let files = this.listings.get(dir);
    if (files === undefined) {
      files = regularFiles(join(this.root, dir));
      this.listings.set(dir, files);
    }
    return files?.has(rel.slice(slash + 1)) ?? false;
  }

  /** True when every one of `paths` is in place. */
  hasAll(paths: readonly string[]): boolean {
    return paths.every((p) => this.has(p));
  }
}

function regularFiles(dir: string): ReadonlySet<string> | null {
  try {
    // Dirent types come from the directory itself; where a file system gives none, Node lstats.
    return new Set(
      readdirSync(dir, { withFileTypes: true })
        .filter((d) => d.isFile())
        .map((d) => d.name),
    );
  } catch (e) {
    if (isAbsent(e)) return null;
    throw e;
  }
}
