import { chmod, mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../apps/cli/src/config/resolveConfig';
import { UsageError } from '../../apps/cli/src/output/UsageError';

let dir: string;
let file: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'anet-cfg-'));
  file = join(dir, 'config.json');
  await writeFile(file, JSON.stringify({ url: 'http://file.example', token: 'file-token' }));
  await chmod(file, 0o600);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('resolveConfig precedence: flags → env → file', () => {
  const env = { ANET_URL: 'http://env.example', ANET_TOKEN: 'env-token', HOME: '/nonexistent' };

  it('flags win over env and file', () => {
    const c = resolveConfig({ url: 'http://flag.example', token: 'flag-token', config: file }, env);
    expect(c).toMatchObject({
      url: 'http://flag.example',
      token: 'flag-token',
      source: { url: 'flag', token: 'flag' },
    });
  });
  it('env wins over file, per value', () => {
    const c = resolveConfig({ config: file }, { ANET_TOKEN: 'env-token' });
    expect(c).toMatchObject({
      url: 'http://file.example',
      token: 'env-token',
      source: { url: 'file', token: 'env' },
    });
  });
  it('file is used last, and the default location is $XDG_CONFIG_HOME/anet/config.json', async () => {
    const xdg = join(dir, 'xdg');
    await mkdir(join(xdg, 'anet'), { recursive: true });
    await writeFile(
      join(xdg, 'anet', 'config.json'),
      JSON.stringify({ url: 'http://xdg.example', token: 'xdg-token' }),
    );
    await chmod(join(xdg, 'anet', 'config.json'), 0o644);
    const c = resolveConfig({}, { XDG_CONFIG_HOME: xdg });
    expect(c).toMatchObject({
      url: 'http://xdg.example',
      token: 'xdg-token',
      source: { url: 'file', token: 'file' },
    });
    expect(c.warnings.join()).toMatch(/readable by others/);
    expect(resolveConfig({ config: file }, {}).warnings).toEqual([]);
  });
  it('missing URL or token is a usage error that never echoes a token', () => {
    expect(() => resolveConfig({}, { HOME: '/nonexistent', ANET_TOKEN: 'env-token' })).toThrow(UsageError);
    const err = (() => {
      try {
        resolveConfig({}, { HOME: '/nonexistent', ANET_URL: 'http://x' });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err).toBeInstanceOf(UsageError);
    expect(err?.message).toMatch(/ANET_TOKEN/);
  });
  it('a named config file must exist and be valid; URLs must be http(s)', async () => {
    expect(() => resolveConfig({ config: join(dir, 'nope.json') }, env)).toThrow(/cannot read config file/);
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '{nope');
    expect(() => resolveConfig({ config: bad }, env)).toThrow(/not valid JSON/);
    expect(() => resolveConfig({ url: 'ftp://x' }, env)).toThrow(/http\(s\)/);
    expect(() => resolveConfig({ url: 'not a url' }, env)).toThrow(UsageError);
  });
});
