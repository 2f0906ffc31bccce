const { jestConfig } = require('@salesforce/sfdx-lwc-jest/config');

// Two projects in one run: the component tests beside the components, on sfdx-lwc-jest's configuration
// (LWC compiler, jsdom, lightning/* stubs, the c/ namespace resolver); and the plain Node tests in test/
// (metadata, launch token), compiled by swc as in the rest of the repository.
/** @type {import('jest').Config} */
module.exports = {
  maxWorkers: 2,
  projects: [
    {
      ...jestConfig,
      displayName: 'lwc',
      rootDir: __dirname,
      testMatch: ['<rootDir>/force-app/**/__tests__/**/*.test.ts'],
    },
    {
      displayName: 'node',
      rootDir: __dirname,
      testEnvironment: 'node',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      moduleFileExtensions: ['ts', 'js', 'cjs', 'json'],
      transform: {
        '^.+\\.ts$': [
          '@swc/jest',
          { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } },
        ],
      },
    },
  ],
};
