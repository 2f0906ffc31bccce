import { LockBusyError, type Locks } from '../../ports/lock';

/** Locks within one process (the embedded setup runs one): callers of a key run one after another. */
export function createInProcessLocks(): Locks {
  const tails = new Map<string, Promise<void>>();
  return {
    kind: 'in-process',
    async withLock(key, options, work) {
      const previous = tails.get(key) ?? Promise.resolve();
      let release = (): void => undefined;
      const mine = new Promise<void>((resolve) => {
        release = resolve;
      });
      const tail = previous.then(() => mine);
      tails.set(key, tail);
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          previous,
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new LockBusyError(key, options.waitMs)), options.waitMs);
          }),
        ]);
      } catch (error) {
        // Give up our turn without blocking the ones after us.
        void previous.then(release);
        throw error;
      } finally {
        clearTimeout(timer);
      }
      try {
        return await work();
      } finally {
        release();
        if (tails.get(key) === tail) tails.delete(key);
      }
    },
    close: async () => undefined,
  };
}
