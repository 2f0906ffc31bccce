import type { Redis } from 'ioredis';

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Listens for `redis`'s connection errors (without a listener ioredis prints them itself; callers hear
 * of them through rejections) and names the last one in the error a failed command becomes.
 */
export function trackConnectionErrors(redis: Redis, what: string): (error: unknown) => Error {
  let lastConnectionError: string | undefined;
  redis.on('error', (error: unknown) => {
    lastConnectionError = messageOf(error);
  });
  redis.on('ready', () => {
    lastConnectionError = undefined;
  });
  return (error) => {
    const detail =
      lastConnectionError === undefined ? '' : ` (last connection error: ${lastConnectionError})`;
    return new Error(`${what} unavailable: ${messageOf(error)}${detail}`, { cause: error });
  };
}

/** Closes a connection politely when it is up (pending replies arrive), at once otherwise. */
export async function closeConnection(redis: Redis): Promise<void> {
  if (redis.status === 'ready') {
    try {
      await redis.quit();
      return;
    } catch {
      // fall through to a hard disconnect
    }
  }
  redis.disconnect();
}
