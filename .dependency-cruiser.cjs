/**
 * The layering of DESIGN.md, enforced in `npm test` (npm run depcheck).
 * domain <- ports <- use-cases <- adapters <- server; each SDK in one adapter folder.
 */
const TESTS = '\\.test\\.ts$';

const sdk = (name, folder) => ({
  name: `${name}-only-in-${folder.replace(/\//g, '-')}`,
  comment: `${name} may only be imported from ${folder}`,
  severity: 'error',
  from: { pathNot: [`^${folder}`, '^test/', '^bench/'] },
  to: { path: `node_modules/(@types/)?${name}/` },
});

module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'src/domain imports only itself (and zod)',
      severity: 'error',
      from: { path: '^src/domain/', pathNot: TESTS },
      to: { pathNot: ['^src/domain/', 'node_modules/zod/'] },
    },
    {
      name: 'ports-import-domain-only',
      severity: 'error',
      from: { path: '^src/ports/' },
      to: { pathNot: ['^src/ports/', '^src/domain/'] },
    },
    {
      name: 'use-cases-import-domain-and-ports-only',
      severity: 'error',
      from: { path: '^src/use-cases/', pathNot: TESTS },
      to: { pathNot: ['^src/use-cases/', '^src/ports/', '^src/domain/', 'node_modules/zod/'] },
    },
    {
      name: 'adapters-import-ports-and-domain',
      comment: 'an adapter implements a port; it never reaches into use cases or jobs',
      severity: 'error',
      from: { path: '^src/adapters/', pathNot: TESTS },
      to: { path: '^src/(use-cases|jobs)/' },
    },
    {
      name: 'adapters-do-not-import-each-other',
      comment: 'an adapter imports its own SDK plus ports and domain; only server/ wires adapters together',
      severity: 'error',
      from: { path: '^src/adapters/([^/]+)/' },
      to: { path: '^src/adapters/', pathNot: ['^src/adapters/$1/'] },
    },
    {
      name: 'src-does-not-import-server',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(server|test|bench)/' },
    },
    {
      name: 'config-only-from-server',
      comment: 'configuration is read once at the composition root and passed down as values',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/config/' },
      to: { path: '^src/config/' },
    },
    {
      name: 'extensions-are-self-contained',
      comment: 'cards and the workspace are built on their own and import nothing outside extensions/',
      severity: 'error',
      from: { path: '^extensions/' },
      to: { path: '^(src|server|test|bench)/' },
    },
    sdk('@hubspot/api-client', 'src/adapters/hubspot/'),
    sdk('jsforce', 'src/adapters/salesforce/'),
    sdk('stripe', 'src/adapters/stripe/'),
    sdk('bullmq', 'src/adapters/redis/'),
    sdk('ioredis', 'src/adapters/redis/'),
    sdk('@electric-sql/pglite', 'src/adapters/postgres/'),
    sdk('pg', 'src/adapters/postgres/'),
    sdk('csv-parse', 'src/adapters/csv/'),
    {
      // `npm start` installs the production dependencies only: what the product runs must be among them.
      name: 'product-uses-production-dependencies',
      severity: 'error',
      from: { path: '^(src|server)/', pathNot: '\\.test\\.ts$' },
      to: { dependencyTypes: ['npm-dev'] },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // app/ holds the HubSpot cards, a separate package built by HubSpot (tested in extensions/hubspot).
    doNotFollow: { path: ['node_modules', '^app/'] },
    // The Salesforce package is Lightning/Apex source deployed to an org (its imports are platform
    // modules such as lightning/* and @salesforce/*); its own tests check it.
    exclude: {
      path: ['\\.data/', 'bench/out/', '^extensions/hubspot/node_modules/', '^extensions/salesforce/'],
    },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};
