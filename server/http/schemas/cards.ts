import { z } from 'zod';
import { accountCardView, plannedTask } from './account-card';
import { okData } from './common';

export const companyCollectionsResponse = okData(accountCardView).meta({ id: 'CompanyCollectionsResponse' });

export const companyTaskResponse = z
  .object({ ok: z.literal(true), task: plannedTask })
  .meta({ id: 'CompanyTaskResponse' });
