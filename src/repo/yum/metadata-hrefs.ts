/**
 * Reading a yum repository's own files by the hrefs its metadata gives (repomd.xml, primary):
 * which hrefs may be read at all, and how far a compressed file is opened. Shared by `repo verify`
 * (verify.ts) and `pkgtrack verify` (services/verify/yum-metadata.ts).
 */

/** Opened metadata is capped: without it a 100 kB zstd bomb in repodata/ took 3 GB of memory (dnf's is tens of MB). */
export const MAX_METADATA_OPEN = 1024 * 1024 * 1024;

/**
 * An href that stays inside the repository (no `..`, not absolute, no URL) and can be a path (no
 * NUL: fs throws a TypeError): a hand-edited `../../dev/zero` would otherwise be read, without end.
 */
export const safeHref = (href: string): boolean =>
  href !== '' && !href.startsWith('/') && !/(^|\/)\.\.(\/|$)/.test(href) && !/^[a-z]+:/i.test(href) && !href.includes('\0');
