/**
 * docker: same argv shapes as podman (argv.ts), with `--runtime` as a run flag and no
 * `--userns=keep-id`. Used when podman is absent or PKGTRACK_CONTAINER_ENGINE=docker.
 */
import { DOCKER } from './argv.js';
import { CliEngine } from './cli-engine.js';

export class DockerEngine extends CliEngine {
  constructor(program = 'docker') {
    super(DOCKER, program);
  }
}
