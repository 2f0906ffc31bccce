import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

// The check behind `npm run check:web-build` and `npm start`'s decision to rebuild the workspace.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const webBuild = require('../scripts/web-build.cjs') as {
  isWorkspaceBuildCurrent(web: string): boolean;
  recordWorkspaceBuild(web: string): void;
};

describe('the committed workspace build', () => {
  let web: string;

  beforeEach(async () => {
    web = await mkdtemp(path.join(os.tmpdir(), 'web-build-'));
    await mkdir(path.join(web, 'src', 'views'), { recursive: true });
    await mkdir(path.join(web, 'dist', 'assets'), { recursive: true });
    await writeFile(path.join(web, 'src', 'views', 'Rules.tsx'), 'export const a = 1;\n');
    await writeFile(path.join(web, 'index.html'), '<div id="root"></div>\n');
    await writeFile(path.join(web, 'package.json'), '{}\n');
    await writeFile(
      path.join(web, 'dist', 'index.html'),
      '<script type="module" src="/assets/index-1.js"></script><link rel="stylesheet" href="/assets/index-1.css">',
    );
    await writeFile(path.join(web, 'dist', 'assets', 'index-1.js'), 'console.log(1);\n');
    await writeFile(path.join(web, 'dist', 'assets', 'index-1.css'), 'body{}\n');
  });
  afterEach(() => rm(web, { recursive: true, force: true }));

  it('is current once recorded for the sources it was built from', () => {
    expect(webBuild.isWorkspaceBuildCurrent(web)).toBe(false);
    webBuild.recordWorkspaceBuild(web);
    expect(webBuild.isWorkspaceBuildCurrent(web)).toBe(true);
  });

  it('is stale after any source changes, is added or is renamed', async () => {
    webBuild.recordWorkspaceBuild(web);
    await writeFile(path.join(web, 'src', 'views', 'Rules.tsx'), 'export const a = 2;\n');
    expect(webBuild.isWorkspaceBuildCurrent(web)).toBe(false);

    webBuild.recordWorkspaceBuild(web);
    await writeFile(path.join(web, 'src', 'views', 'Deals.tsx'), 'export const b = 1;\n');
    expect(webBuild.isWorkspaceBuildCurrent(web)).toBe(false);

    webBuild.recordWorkspaceBuild(web);
    await rm(path.join(web, 'src', 'views', 'Deals.tsx'));
    await writeFile(path.join(web, 'src', 'Deals.tsx'), 'export const b = 1;\n');
    expect(webBuild.isWorkspaceBuildCurrent(web)).toBe(false);
  });

  it('is not current when an asset index.html loads is missing', async () => {
    webBuild.recordWorkspaceBuild(web);
    await rm(path.join(web, 'dist', 'assets', 'index-1.css'));
    expect(webBuild.isWorkspaceBuildCurrent(web)).toBe(false);
  });
});
