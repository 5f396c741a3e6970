/**
 * Builders by package format. Each format registers one line here (the rpm builder adds its
 * own); a target whose format has no builder fails with a clear message.
 */
import type { Builder } from './builder.js';
import { DebBuilder } from './deb/index.js';
import { RpmBuilder } from './rpm/index.js';
import { envError } from '../core/errors.js';
import type { PackageFormat } from '../recipe/targets.js';

export const BUILDERS: Partial<Record<PackageFormat, () => Builder>> = {
  deb: () => new DebBuilder(),
  rpm: () => new RpmBuilder(),
};

export function builderFor(format: PackageFormat): Builder {
  const make = BUILDERS[format];
  if (!make) {
    throw envError(
      'BUILDER_MISSING',
      `pkgtrack has no ${format} builder yet`,
      `Build only the other targets, e.g. --target debian:bookworm.`,
    );
  }
  return make();
}
