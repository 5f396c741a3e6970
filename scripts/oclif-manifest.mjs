// Writes oclif.manifest.json (the command index oclif reads instead of importing every command
// file at start-up), with @oclif/core alone: the plugin computes it when no manifest exists.
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Config } from '@oclif/core';

const root = join(import.meta.dirname, '..');
const file = join(root, 'oclif.manifest.json');
if (existsSync(file)) rmSync(file);
const config = await Config.load(root);
const plugin = config.getPluginsList().find((p) => p.root === config.root);
if (!plugin || Object.keys(plugin.manifest.commands).length === 0) {
  console.error('oclif-manifest: no commands found; run the TypeScript build first');
  process.exit(1);
}
writeFileSync(file, `${JSON.stringify(plugin.manifest)}\n`);
console.error(`oclif-manifest: ${Object.keys(plugin.manifest.commands).length} commands`);
