#!/usr/bin/env node
// `npm run bicep -- <args>`: runs the real Bicep compiler (build, lint, ...). A `bicep` on the PATH
// (an operator's laptop with the Azure CLI's standalone install) wins; otherwise the NuGet package
// Azure.Bicep.CommandLine.<rid>, pinned in dev/tools/bicep/bicep.csproj, is restored once with the
// ordinary .NET client into .local/nuget (git-ignored) and its self-contained executable is run.
// https://www.nuget.org/packages/Azure.Bicep.CommandLine.linux-x64
// https://learn.microsoft.com/azure/azure-resource-manager/bicep/bicep-cli
//
// `node dev/tools/bicep.mjs --locate` prints the executable's path (restoring it if needed), or exits
// with status 3 and one line saying why there is none; the infra tests use it.
import { spawnSync } from 'node:child_process';
import { accessSync, chmodSync, constants, existsSync, readFileSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const PROJECT = join(REPO, 'dev/tools/bicep/bicep.csproj');
const PACKAGES = join(REPO, '.local/nuget');
const NOT_FOUND = 3;

/** The NuGet runtime id of this machine; the package exists per platform (win-x64, osx-arm64, ...). */
function runtimeId() {
  const os = { linux: 'linux', darwin: 'osx', win32: 'win' }[process.platform];
  const arch = { x64: 'x64', arm64: 'arm64' }[process.arch];
  return os && arch ? `${os}-${arch}` : undefined;
}

function onPath(name) {
  const names = process.platform === 'win32' ? [`${name}.exe`, `${name}.cmd`] : [name];
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const candidate of names.map((n) => join(dir, n))) {
      try {
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

function pinnedVersion() {
  const match = /Include="Azure\.Bicep\.CommandLine\.\$\(BicepRuntimeId\)" Version="([^"]+)"/.exec(readFileSync(PROJECT, 'utf8'));
  if (!match) throw new Error(`${PROJECT}: no pinned Azure.Bicep.CommandLine version`);
  return match[1];
}

/** @returns {{ path: string } | { reason: string }} */
export function locateBicep() {
  const fromPath = onPath('bicep');
  if (fromPath) return { path: fromPath };
  const rid = runtimeId();
  if (!rid) return { reason: `no Bicep package for ${process.platform}-${process.arch}` };
  const version = pinnedVersion();
  // NuGet's global-packages layout: lower-case id / version / the package's files.
  const executable = join(
    PACKAGES,
    `azure.bicep.commandline.${rid}`,
    version,
    'tools',
    process.platform === 'win32' ? 'bicep.exe' : 'bicep',
  );
  if (!existsSync(executable)) {
    const dotnet = onPath('dotnet');
    if (!dotnet) return { reason: 'neither bicep nor dotnet is on the PATH' };
    const restore = spawnSync(
      dotnet,
      [
        'restore',
        PROJECT,
        '--packages',
        PACKAGES,
        `-p:BicepRuntimeId=${rid}`,
        // Keep restore's obj/ output out of the source tree too.
        `-p:MSBuildProjectExtensionsPath=${join(REPO, '.local/bicep-obj')}/`,
        '--verbosity',
        'quiet',
      ],
      { encoding: 'utf8', env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1' } },
    );
    if (restore.status !== 0)
      return {
        reason: `dotnet restore of Azure.Bicep.CommandLine.${rid} ${version} failed: ${(restore.stdout + restore.stderr).trim().split('\n').slice(-3).join(' ')}`,
      };
    if (!existsSync(executable)) return { reason: `restored Azure.Bicep.CommandLine.${rid} ${version} but found no ${executable}` };
  }
  // NuGet extracts files without their Unix mode on some systems.
  try {
    accessSync(executable, constants.X_OK);
  } catch {
    chmodSync(executable, 0o755);
  }
  return { path: executable };
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const args = process.argv.slice(2);
  const found = locateBicep();
  if (!('path' in found)) {
    console.error(`bicep: ${found.reason}`);
    process.exit(NOT_FOUND);
  }
  if (args[0] === '--locate') {
    console.log(found.path);
    process.exit(0);
  }
  const run = spawnSync(found.path, args, { stdio: 'inherit' });
  process.exit(run.status ?? 1);
}
