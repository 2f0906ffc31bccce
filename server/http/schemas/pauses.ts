import { z } from 'zod';

export const pauseResponse = z
  .object({ ok: z.literal(true), paused: z.object({ reason: z.string(), until: z.string() }) })
  .meta({ id: 'PauseResponse' });

export const resumeResponse = z
  .object({ ok: z.literal(true), resumed: z.boolean() })
  .meta({ id: 'ResumeResponse' });
