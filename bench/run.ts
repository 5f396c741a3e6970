/** `npm run bench -- <name>`: runs bench/<name>.ts's default export. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const name = process.argv[2];
if (!name || !/^[a-z0-9-]+$/.test(name) || !existsSync(join(import.meta.dirname, `${name}.ts`))) {
  console.error(`usage: npm run bench -- <name>   (a file bench/<name>.ts)`);
  process.exit(2);
}
const mod = (await import(pathToFileURL(join(import.meta.dirname, `${name}.ts`)).href)) as { default: () => Promise<void> };
await mod.default();
