import type { CollectionsStore } from '../../ports/store';
import type { SqlClient } from './sql-client';

export function installStates(client: SqlClient): Pick<CollectionsStore, 'useInstallState'> {
  return {
    async useInstallState(crm, nonce, expiresAt, now) {
      await client.query('DELETE FROM install_states WHERE expires_at < to_timestamp($1::float8 / 1000)', [
        now.getTime(),
      ]);
      // The primary key decides between concurrent callbacks: exactly one insert gets its row back.
      const inserted = await client.query(
        `INSERT INTO install_states (crm, nonce, expires_at)
         VALUES ($1, $2, to_timestamp($3::float8 / 1000))
         ON CONFLICT (crm, nonce) DO NOTHING
         RETURNING nonce`,
        [crm, nonce, expiresAt.getTime()],
      );
      return inserted.length === 1;
    },
  };
}
