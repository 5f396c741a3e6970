/** podman: the default engine. Rootful or rootless; host quirks are probed (cli-engine.ts). */
import { PODMAN } from './argv.js';
import { CliEngine } from './cli-engine.js';

export class PodmanEngine extends CliEngine {
  constructor(program = 'podman') {
    super(PODMAN, program);
  }
}
