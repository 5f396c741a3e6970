/**
 * Atomically swap two paths: renameat2(2) with RENAME_EXCHANGE. rename(2) cannot put a link
 * where a non-empty directory is; the exchange can, with no moment in which neither name
 * exists. Node has no binding for renameat2, so perl's `syscall` makes the call (perl-base is
 * essential on Debian and Ubuntu and present on Fedora; its `syscall` takes the number, so no
 * C headers are needed). Returns false where the exchange is not available (no perl, another
 * kernel or architecture, a filesystem without RENAME_EXCHANGE): the caller then falls back.
 */
import { run } from './exec.js';

/** SYS_renameat2 per Node architecture (Linux). */
const SYS_RENAMEAT2: Partial<Record<string, number>> = {
  x64: 316,
  arm64: 276,
  riscv64: 276,
  loong64: 276,
  ia32: 353,
  arm: 382,
  ppc64: 357,
  s390x: 347,
};

const PROGRAM = 'my ($n, $a, $b) = @ARGV; syscall($n, -100, $a, -100, $b, 2) == 0 or die "$!\\n";';

export async function renameExchange(a: string, b: string): Promise<boolean> {
  const nr = SYS_RENAMEAT2[process.arch];
  if (process.platform !== 'linux' || nr === undefined) return false;
  const r = await run('perl', ['-e', PROGRAM, String(nr), a, b], { check: false }).catch(() => undefined);
  return r?.code === 0;
}
