import { Container } from 'inversify';
import { describe, expect, it } from 'vitest';
import { TOKENS, type FileSharing, type SharedPath } from '@kact/core';
import defaultModule, { ClaimFiles, ClaimSettingsError, filesOnClaims, kactContract, parseClaimSettings } from './index.js';

const job = { runId: 'r-1a2b', podName: 'kact-r-1a2b-build-3f9c1e', jobId: 'build' };
const PATHS: SharedPath[] = ['workspace', 'temp', 'toolCache', 'home', 'runtime'];

describe('ClaimFiles', () => {
  it('mounts the whole tool-cache claim, with no subPath', () => {
    const files = new ClaimFiles({ toolCache: 'tool-cache' });
    expect(files.volume('toolCache', job)).toEqual({ source: { persistentVolumeClaim: { claimName: 'tool-cache' } } });
    expect(files.volume('workspace', job)).toEqual({ source: { emptyDir: {} } });
  });

  it("puts each job's workspace in <runId>/<podName> of the workspace claim", () => {
    const files = new ClaimFiles({ workspace: 'workspaces' });
    expect(files.volume('workspace', job)).toEqual({ source: { persistentVolumeClaim: { claimName: 'workspaces' } }, subPath: 'r-1a2b/kact-r-1a2b-build-3f9c1e' });
    expect(files.volume('workspace', { ...job, podName: 'kact-r-1a2b-test-000000' }).subPath).toBe('r-1a2b/kact-r-1a2b-test-000000');
    expect(files.volume('toolCache', job)).toEqual({ source: { emptyDir: {} } });
  });

  it('keeps temp, home and the runtime folder on emptyDirs', () => {
    const files = new ClaimFiles({ toolCache: 'tools', workspace: 'ws' });
    const volumes = Object.fromEntries(PATHS.map((p) => [p, files.volume(p, job)]));
    expect(volumes).toEqual({
      workspace: { source: { persistentVolumeClaim: { claimName: 'ws' } }, subPath: 'r-1a2b/kact-r-1a2b-build-3f9c1e' },
      temp: { source: { emptyDir: {} } },
      toolCache: { source: { persistentVolumeClaim: { claimName: 'tools' } } },
      home: { source: { emptyDir: {} } },
      runtime: { source: { emptyDir: {} } },
    });
  });

  it('never lets a run id leave its folder', () => {
    const files = new ClaimFiles({ workspace: 'ws' });
    expect(files.volume('workspace', { ...job, runId: '../../etc' }).subPath).toBe('-..-etc/kact-r-1a2b-build-3f9c1e');
    expect(files.volume('workspace', { ...job, runId: '..' }).subPath).toBe('_/kact-r-1a2b-build-3f9c1e');
  });

  it('rejects names that cannot name a claim, in one line', () => {
    expect(() => new ClaimFiles({ toolCache: 'Tool_Cache' })).toThrow(/^files\.toolCache\.claim: 'Tool_Cache' is not a valid claim name \(DNS-1123[^\n]*\)$/);
    expect(() => new ClaimFiles({ workspace: '-ws' })).toThrow(/^files\.workspace\.claim: '-ws' is not a valid claim name/);
    expect(() => new ClaimFiles({ workspace: 'a'.repeat(254) })).toThrow(/not a valid claim name/);
    expect(() => new ClaimFiles({ workspace: '' })).toThrow('files.workspace.claim: expected the name of a PersistentVolumeClaim');
    expect(new ClaimFiles({ workspace: 'ci.workspaces-2' }).name).toBe('pvc');
  });

  it('refuses one claim for both (a pod cannot mount a claim twice)', () => {
    expect(() => new ClaimFiles({ toolCache: 'shared', workspace: 'shared' })).toThrow(
      "files.workspace.claim: 'shared' is also the tool cache's claim; a pod cannot mount one claim as two volumes, give each its own claim",
    );
  });
});

describe('parseClaimSettings', () => {
  it('reads files: of kact.config.yaml', () => {
    expect(parseClaimSettings({ toolCache: { claim: 'tools' }, workspace: { claim: 'ws' } })).toEqual({ toolCache: 'tools', workspace: 'ws' });
    expect(parseClaimSettings({ workspace: { claim: 'ws' } })).toEqual({ workspace: 'ws' });
    expect(parseClaimSettings(undefined)).toEqual({});
  });

  it('takes --tool-cache-pvc as toolCache.claim', () => {
    expect(parseClaimSettings(undefined, 'tools')).toEqual({ toolCache: 'tools' });
    expect(parseClaimSettings({ toolCache: { claim: 'a' }, workspace: { claim: 'ws' } }, 'b')).toEqual({ toolCache: 'b', workspace: 'ws' });
    expect(() => parseClaimSettings(undefined, 'No')).toThrow(/^--tool-cache-pvc: 'No' is not a valid claim name/);
  });

  it('names the setting that is wrong, and keeps its path', () => {
    const error = (raw: unknown) => {
      try {
        parseClaimSettings(raw);
      } catch (e) {
        expect(e).toBeInstanceOf(ClaimSettingsError);
        return { message: (e as ClaimSettingsError).message, path: (e as ClaimSettingsError).path };
      }
      throw new Error('no error');
    };
    expect(error('tools')).toEqual({ message: 'files: expected a map with toolCache and/or workspace', path: ['files'] });
    expect(error({ cache: { claim: 'x' } })).toEqual({ message: 'files.cache: unknown setting (expected toolCache or workspace)', path: ['files', 'cache'] });
    expect(error({ toolCache: 'tools' })).toEqual({ message: 'files.toolCache: expected { claim: NAME }', path: ['files', 'toolCache'] });
    expect(error({ toolCache: { claim: 'x', size: '1Gi' } })).toEqual({ message: 'files.toolCache.size: unknown setting (expected claim)', path: ['files', 'toolCache', 'size'] });
    expect(error({ workspace: { claim: 3 } })).toEqual({ message: 'files.workspace.claim: expected the name of a PersistentVolumeClaim', path: ['files', 'workspace', 'claim'] });
  });
});

describe('the module', () => {
  it('binds the FileSharing', () => {
    const container = new Container();
    container.loadSync(filesOnClaims({ toolCache: 'tools' }));
    const files = container.get<FileSharing>(TOKENS.FileSharing);
    expect(files.name).toBe('pvc');
    expect(files.volume('toolCache', job)).toEqual({ source: { persistentVolumeClaim: { claimName: 'tools' } } });
    expect(kactContract).toBe(1);
  });

  it('says where the claims go when loaded without them', () => {
    expect(() => new Container().loadSync(defaultModule)).toThrow(/files\.toolCache\.claim and\/or files\.workspace\.claim in kact\.config\.yaml/);
  });
});
