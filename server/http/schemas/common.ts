import { z } from 'zod';
import { API_ERROR_CODES } from '../api-errors';

export const money = z.object({ minor: z.number().int(), currency: z.string(), text: z.string() }).meta({
  id: 'Money',
  description: 'An amount in integer minor units, with its currency and display text.',
});

export const calendarDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

export const riskTier = z.enum(['low', 'medium', 'high']);

export const statusVariant = z.enum(['success', 'warning', 'danger', 'info']);

export const describedRule = z.object({ id: z.string(), text: z.string() }).meta({ id: 'DescribedRule' });

export const documentProblem = z
  .object({
    path: z.string(),
    message: z.string(),
    line: z.number().int().optional(),
    column: z.number().int().optional(),
  })
  .meta({ id: 'DocumentProblem' });

export const apiError = z
  .object({
    code: z.enum(API_ERROR_CODES),
    message: z.string(),
    path: z.string().optional(),
    line: z.number().int().optional(),
    column: z.number().int().optional(),
  })
  .meta({ id: 'ApiError' });

/** Every error of /api/v1; a sent document's problems come beside the error, all of them. */
export const apiErrorBody = z
  .object({ ok: z.literal(false), error: apiError, problems: z.array(documentProblem).optional() })
  .meta({ id: 'ApiErrorBody' });

/** `{ ok: true, data }`: the workspace's read routes. */
export const okData = <T extends z.ZodType>(data: T) => z.object({ ok: z.literal(true), data });
