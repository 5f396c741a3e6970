// A separate process taking the real repository lock (from dist/), for lock tests.
//   hold ROOT [LOG]      take the lock, mark it (below), print "held", keep it until killed
//   loop ROOT N LOG      take and release it N times, marking each hold
// Marking: inside the lock, create ROOT/inside (O_EXCL) holding our pid. If it exists and names
// a process that is still running, two processes hold the lock at once: "overlap" goes to LOG.
// (A holder that was killed leaves its marker behind; its process is gone or a zombie.)
import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const { acquireRepoLock } = await import(new URL('../../dist/repo/lock.js', import.meta.url).href);
const [mode, root, n, log] = process.argv.slice(2);
const marker = join(root, 'inside');

function running(pid) {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function enter() {
  try {
    writeFileSync(marker, String(process.pid), { flag: 'wx' });
    return;
  } catch {}
  const other = Number(readFileSync(marker, 'utf8'));
  if (running(other)) appendFileSync(log, `overlap ${process.pid} ${other}\n`);
  writeFileSync(marker, String(process.pid));
}

function leave() {
  if (existsSync(marker) && readFileSync(marker, 'utf8') === String(process.pid)) rmSync(marker);
}

if (mode === 'hold') {
  await acquireRepoLock(root, { what: 'test holder', pollMs: 2 });
  if (log) enter();
  process.stdout.write('held\n');
  setInterval(() => {}, 1 << 30);
} else {
  for (let i = 0; i < Number(n); i++) {
    const lock = await acquireRepoLock(root, { pollMs: 2, timeoutMs: 120_000 });
    enter();
    appendFileSync(log, `+${process.pid}\n`);
    await new Promise((r) => setTimeout(r, Math.random() * 4));
    appendFileSync(log, `-${process.pid}\n`);
    leave();
    await lock.release();
  }
}
