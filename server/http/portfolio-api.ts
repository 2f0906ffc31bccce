import express, { type Request, type Response, type Router } from 'express';
import type { SliceDimension } from '../../src/domain/ar-metrics';
import type { CalendarDate } from '../../src/domain/dates';
import type { CollectionsStore } from '../../src/ports/store';
import { buildPortfolioReportFromStore } from '../../src/use-cases/collections-picture';
import { portfolioTrend } from '../../src/use-cases/portfolio-trend';
import { refusedWhenEmbedded, type RequestContext } from './api-auth';
import { fail } from './api-errors';

export { monthEnds } from '../../src/domain/dates';

export type PortfolioRouteOptions = {
  store: CollectionsStore;
  today: () => CalendarDate;
  context: (response: Response) => RequestContext;
};

const DIMENSIONS = new Set<SliceDimension>(['owner', 'segment', 'payment_terms', 'currency']);

/**
 * Portfolio metrics by currency (optionally sliced), and their trend from stored month-end snapshots
 * (computed first when missing or stale).
 */
export function createPortfolioRouter(options: PortfolioRouteOptions): Router {
  const router = express.Router();
  router.get('/portfolio', async (request: Request, response: Response) => {
    if (refusedWhenEmbedded(response, options.context(response))) return;
    const by = request.query['by'];
    if (by !== undefined && !DIMENSIONS.has(by as SliceDimension)) {
      fail(
        response,
        {
          code: 'invalid_request',
          path: 'by',
          message: 'expected owner, segment, payment_terms or currency',
        },
        422,
      );
      return;
    }
    const report = await buildPortfolioReportFromStore(
      options.store,
      options.context(response).tenant,
      options.today(),
      by === undefined ? {} : { by: by as SliceDimension },
    );
    response.json({ ok: true, data: report });
  });

  // Requests for the same trend while its snapshots are being computed share that one pass.
  const trendsInFlight = new Map<string, ReturnType<typeof portfolioTrend>>();
  router.get('/portfolio/trend', async (request: Request, response: Response) => {
    if (refusedWhenEmbedded(response, options.context(response))) return;
    const months = Number(request.query['months'] ?? 12);
    if (!Number.isInteger(months) || months < 2 || months > 36) {
      fail(response, { code: 'invalid_request', path: 'months', message: 'expected 2 to 36' }, 422);
      return;
    }
    const tenant = options.context(response).tenant;
    const today = options.today();
    const key = `${tenant}:${today}:${months}`;
    let trend = trendsInFlight.get(key);
    if (trend === undefined) {
      trend = portfolioTrend({ book: options.store, snapshots: options.store }, tenant, today, months);
      trendsInFlight.set(key, trend);
      void trend.finally(() => trendsInFlight.delete(key)).catch(() => undefined);
    }
    const { points } = await trend;
    response.json({
      ok: true,
      data: {
        points: points.map((point) => ({
          asOf: point.asOf,
          currencies: point.total.currencies,
          computedAt: point.computedAt,
          stale: point.stale,
        })),
      },
    });
  });
  return router;
}
