import type { CollectionsStore } from '../../ports/store';
import type { SqlClient } from './sql-client';

export function launchNonces(client: SqlClient): Pick<CollectionsStore, 'useLaunchNonce'> {
  return {
    async useLaunchNonce(tenant, nonce, expiresAt, now) {
      await client.query(
        'DELETE FROM launch_nonces WHERE tenant_id = $1 AND expires_at < to_timestamp($2::float8 / 1000)',
        [tenant, now.getTime()],
      );
      // The primary key decides between concurrent first uses: exactly one insert gets its row back.
      const inserted = await client.query(
        `INSERT INTO launch_nonces (tenant_id, nonce, expires_at)
         VALUES ($1, $2, to_timestamp($3::float8 / 1000))
         ON CONFLICT (tenant_id, nonce) DO NOTHING
         RETURNING nonce`,
        [tenant, nonce, expiresAt.getTime()],
      );
      return inserted.length === 1;
    },
  };
}
