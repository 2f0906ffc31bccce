import type { ReactNode } from 'react';
import type { ApiFailure } from '../api/client';

/** A loading message that assistive technology announces politely. */
export function Loading({ children = 'Loading…' }: { children?: ReactNode }) {
  return (
    <p role="status" className="loading">
      <span className="spinner" aria-hidden="true" />
      {children}
    </p>
  );
}

/** A failure, announced at once; the server's message is shown as it came. */
export function ErrorAlert({
  title,
  failure,
  onRetry,
}: {
  title: string;
  failure: ApiFailure | { message: string; path?: string | null };
  onRetry?: () => void;
}) {
  const path = 'path' in failure && failure.path ? failure.path : null;
  return (
    <div role="alert" className="alert alert-error">
      <p className="alert-title">{title}</p>
      <p>
        {path === null ? null : (
          <>
            <code className="path">{path}</code>:{' '}
          </>
        )}
        {failure.message}
      </p>
      {onRetry === undefined ? null : (
        <button type="button" className="button button-secondary" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

/** A confirmation after an action, announced politely. */
export function Notice({ children, tone = 'success' }: { children: ReactNode; tone?: 'success' | 'info' }) {
  return (
    <div role="status" className={`alert alert-${tone}`}>
      {children}
    </div>
  );
}
