const path = require('node:path');

// The sources live in ../../app (HubSpot builds them there); their bare imports (react,
// @hubspot/ui-extensions, yaml) must resolve to this package's node_modules, never to the
// repository root's, so there is exactly one React.
const ownModules = path.join(__dirname, 'node_modules');

/** @type {import('jest').Config} */
module.exports = {
  rootDir: __dirname,
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts', '**/*.test.tsx'],
  testEnvironment: 'node',
  moduleDirectories: [ownModules, 'node_modules'],
  transform: {
    '^.+\\.(t|j)sx?$': [
      '@swc/jest',
      {
        jsc: {
          target: 'es2022',
          parser: { syntax: 'typescript', tsx: true },
          transform: { react: { runtime: 'automatic' } },
        },
        module: { type: 'commonjs' },
      },
    ],
  },
  // @hubspot/ui-extensions, @hubspot/project-parsing-lib and several of their dependencies are
  // ES modules only: compile node_modules too (swc is fast, and Jest caches the result).
  transformIgnorePatterns: [],
  setupFiles: ['<rootDir>/test/setup.ts'],
  restoreMocks: true,
  maxWorkers: 2,
};
