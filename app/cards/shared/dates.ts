import type { BaseDate } from '@hubspot/ui-extensions';

/** DateInput months start at 0; the backend takes calendar dates as YYYY-MM-DD. */
export function toCalendarDate(date: BaseDate): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${date.year}-${pad(date.month + 1)}-${pad(date.date)}`;
}

export function todayAsBaseDate(now: Date = new Date()): BaseDate {
  return { year: now.getFullYear(), month: now.getMonth(), date: now.getDate() };
}

/** A DateInput event carries the formatted text too; keep the date only. */
export function dateOnly({ year, month, date }: BaseDate): BaseDate {
  return { year, month, date };
}
