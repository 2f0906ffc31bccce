import { readyLine, workspaceUrl } from './ready-line';

describe('the ready line', () => {
  it('names localhost for a loopback or every-interface bind, with the bound port', () => {
    expect(workspaceUrl('127.0.0.1', 3000, 'http://127.0.0.1:3000')).toBe('http://localhost:3000/');
    expect(workspaceUrl('::1', 4100, 'http://[::1]:4100')).toBe('http://localhost:4100/');
    expect(workspaceUrl('0.0.0.0', 8080, 'http://0.0.0.0:8080')).toBe('http://localhost:8080/');
  });

  it('names the public URL for any other host', () => {
    expect(workspaceUrl('10.1.2.3', 3000, 'https://collections.example.com/')).toBe(
      'https://collections.example.com/',
    );
  });

  it('says whether the demo data is in place', () => {
    expect(readyLine('http://localhost:3000/', { state: 'loaded' })).toBe(
      'ready: http://localhost:3000/ (demo data loaded)',
    );
    expect(readyLine('http://localhost:3000/', { state: 'none' })).toBe('ready: http://localhost:3000/');
    expect(readyLine('http://localhost:3000/', { state: 'failed', error: 'disk full' })).toBe(
      'ready: http://localhost:3000/ (the demo data could not be loaded: disk full; see http://localhost:3000/healthz)',
    );
  });
});
