/** One finding for "is this host tool installed?", with the Debian package that provides it. */
import { hasProgram } from '../../core/exec.js';
import type { Finding } from './types.js';

export interface ToolSpec {
  id: string;
  tool: string;
  /** Debian package to install (becomes the fix and `doctor --fix`'s input). */
  pkg: string;
  ok: string;
  missing: string;
  /** How bad its absence is (default warn). */
  severity?: 'warn' | 'error';
  fixable?: boolean;
}

export async function toolFinding(t: ToolSpec): Promise<Finding> {
  if (await hasProgram(t.tool)) return { id: t.id, status: 'ok', message: t.ok };
  return {
    id: t.id,
    status: t.severity ?? 'warn',
    message: t.missing,
    fix: `apt-get install ${t.pkg}`,
    ...(t.fixable ? { fixable: true } : {}),
    details: { package: t.pkg },
  };
}
