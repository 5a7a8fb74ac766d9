/**
 * The real Bicep compiler over infra/: `bicep build infra/main.bicep` and `bicep lint` on every .bicep
 * file with zero errors and zero warnings (a remaining one must be suppressed at its line, with the
 * reason), the linter rules infra/bicepconfig.json makes errors, and proof on a scratch copy that a
 * broken template fails with the compiler's own message.
 * https://learn.microsoft.com/azure/azure-resource-manager/bicep/linter
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { infraFiles, INFRA_DIR, modules, parseBicep, REPO_DIR } from '../support/infra-bicep';
import { scratchCopy, describeCompiled, locateCompiler } from '../support/infra-compiler';

describeCompiled('infra: compiled and linted by the Bicep CLI', (infra) => {
  const compiler = () => (locateCompiler() as { path: string }).path;

  it('reports its version', () => {
    expect(infra.version).toMatch(/^Bicep CLI version \d+\.\d+\.\d+ /);
  });

  it('builds infra/main.bicep with no error and no warning', () => {
    expect(infra.build).toEqual([]);
    expect(infra.template.$schema).toMatch(/DeploymentTemplate\.json#$/i);
    expect(Object.keys(infra.template.resources ?? {}).length).toBeGreaterThan(0);
  });

  it('lints every .bicep file with no error and no warning', () => {
    expect(infra.lint).toEqual([]);
  });

  // Only the pinned compiler's list of API versions is fixed; a newer bicep on the PATH knows newer ones.
  const pinned = /Version="([^"]+)"/.exec(readFileSync(join(REPO_DIR, 'dev/tools/bicep/bicep.csproj'), 'utf8'))![1];
  (infra.version.includes(` ${pinned} `) ? it : it.skip)(
    `uses the newest non-preview API version compiler ${pinned} knows for every resource (so use-recent-api-versions cannot start failing with time)`,
    () => {
      expect(infra.newest).toEqual([]);
    },
  );

  it('infra/bicepconfig.json makes the rules that matter here errors', () => {
    const rules = JSON.parse(readFileSync(join(INFRA_DIR, 'bicepconfig.json'), 'utf8')).analyzers.core.rules as Record<
      string,
      { level: string }
    >;
    for (const rule of [
      'no-hardcoded-env-urls',
      'secure-secrets-in-params',
      'outputs-should-not-contain-secrets',
      'use-recent-api-versions',
      'no-unused-params',
    ]) {
      expect({ rule, level: rules[rule]?.level }).toEqual({ rule, level: 'error' });
    }
  });

  it('every suppressed diagnostic says why, in a comment on the line above', () => {
    for (const file of infraFiles().filter((f) => f.endsWith('.bicep'))) {
      const lines = readFileSync(join(INFRA_DIR, file), 'utf8').split('\n');
      lines.forEach((line, k) => {
        if (!/#disable-(next-line|diagnostics)/.test(line)) return;
        expect({ file, line: k + 1, reason: /^\s*\/\/\s*\S/.test(lines[k - 1] ?? '') }).toEqual({ file, line: k + 1, reason: true });
      });
    }
  });

  it("fails on a storage account without its required kind, with the compiler's message", () => {
    const result = scratchCopy(compiler(), (dir) => {
      const path = join(dir, 'app/storage.bicep');
      const source = readFileSync(path, 'utf8');
      expect(source).toContain("  kind: 'StorageV2'\n");
      writeFileSync(path, source.replace("  kind: 'StorageV2'\n", ''));
    });
    // A warning to the compiler (the build still writes JSON; Azure would reject the deployment), and
    // the zero-diagnostics test above fails on any warning.
    expect(result.diagnostics).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          file: 'app/storage.bicep',
          code: 'BCP035',
          message: expect.stringMatching(/missing the following required properties: "kind"/),
        }),
      ]),
    );
  });

  it("flags a misspelled property, with the compiler's message", () => {
    const result = scratchCopy(compiler(), (dir) => {
      const path = join(dir, 'app/storage.bicep');
      writeFileSync(path, readFileSync(path, 'utf8').replace('allowSharedKeyAccess: false', 'allowSharedKeyAcess: false'));
    });
    expect(result.diagnostics).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          file: 'app/storage.bicep',
          code: expect.stringMatching(/^BCP0(37|89)$/),
          message: expect.stringContaining('The property "allowSharedKeyAcess" is not allowed'),
        }),
      ]),
    );
  });

  it('the linter reads infra/bicepconfig.json and reaches the modules: an old API version in one fails the lint', () => {
    const result = scratchCopy(
      compiler(),
      (dir) => {
        const path = join(dir, 'app/identity.bicep');
        writeFileSync(path, readFileSync(path, 'utf8').replace(/userAssignedIdentities@[\w-]+/, 'userAssignedIdentities@2018-11-30'));
      },
      'lint',
    );
    // Linting main.bicep reports the module's finding again, plus BCP104 ("the referenced module has errors").
    expect(result.diagnostics).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          file: 'app/identity.bicep',
          level: 'Error',
          code: 'use-recent-api-versions',
          message: expect.stringContaining("'2018-11-30'"),
        }),
      ]),
    );
    expect(result.diagnostics.filter((d) => d.code !== 'BCP104' && d.file !== 'app/identity.bicep')).toEqual([]);
  });
});

// The compiled JSON inlines modules without their paths, so only the source can say which files are used.
describe('infra: every .bicep file is main.bicep or a module something uses (tree-sitter-bicep)', () => {
  it('has no orphan template', () => {
    const bicepFiles = infraFiles().filter((f) => f.endsWith('.bicep'));
    const used = new Set(['main.bicep']);
    for (const file of bicepFiles) {
      const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/') + 1) : '';
      for (const m of modules(parseBicep(file))) used.add(join(dir, m.path));
    }
    expect(bicepFiles.filter((f) => !used.has(f))).toEqual([]);
  });
});
