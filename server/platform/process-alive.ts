/**
 * Whether a process exists, without touching it (signal 0). A process owned by another user counts as
 * alive (EPERM): it exists, we just may not signal it.
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
