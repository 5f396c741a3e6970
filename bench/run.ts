/**
 * `npm run bench -- <name>` runs bench/<name>.ts's default export; `npm run bench` runs every
 * benchmark in turn. Each prints pkgtrack side by side with the peer tool, as ratios.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const here = import.meta.dirname;
const all = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .map((f) => f.slice(0, -3))
  .sort();
const name = process.argv[2];
if (name && (!/^[a-z0-9-]+$/.test(name) || !existsSync(join(here, `${name}.ts`)))) {
  console.error(`usage: npm run bench [-- <name>]   names: ${all.join(', ')}`);
  process.exit(2);
}
for (const n of name ? [name] : all) {
  if (!name) console.log(`\n=== bench ${n} ===`);
  const mod = (await import(pathToFileURL(join(here, `${n}.ts`)).href)) as { default: () => Promise<void> };
  await mod.default();
}
