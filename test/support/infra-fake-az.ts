/**
 * A stand-in Azure CLI for running infra/hooks/postprovision.sh in tests: a Key Vault is a folder of
 * files, and every call is logged. It answers the way `az` does where the hook looks: exit codes,
 * and `(SecretNotFound)` / `(Forbidden)` in the error text. The hook runs with a PATH holding only
 * this `az` and the few POSIX tools the hook uses, so a real `az` on the machine is never reached.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const FAKE_AZ = `#!/bin/sh
printf '%s\\n' "$*" >> "$FAKE_AZ_DIR/calls.log"
command=$1; group=$2; verb=$3
name=""; file=""
while [ $# -gt 0 ]; do
  case $1 in
    --name) name=$2; shift ;;
    --file) file=$2; shift ;;
  esac
  shift
done
forbidden_left() { [ -f "$FAKE_AZ_DIR/forbidden" ] && [ "$(cat "$FAKE_AZ_DIR/forbidden")" -gt 0 ]; }
case "$command $group" in
  "account show") [ -f "$FAKE_AZ_DIR/signed-out" ] && { echo "Please run 'az login' to setup account." >&2; exit 1; }; exit 0 ;;
  "keyvault secret")
    if forbidden_left; then
      echo $(( $(cat "$FAKE_AZ_DIR/forbidden") - 1 )) > "$FAKE_AZ_DIR/forbidden"
      echo "(Forbidden) Caller is not authorized to perform action on resource. Code: ForbiddenByRbac" >&2; exit 1
    fi
    case $verb in
      show)
        [ -f "$FAKE_AZ_DIR/vault/$name" ] && { echo "https://kv.vault.azure.net/secrets/$name/0123"; exit 0; }
        echo "(SecretNotFound) A secret with (name/id) $name was not found in this key vault." >&2; exit 3 ;;
      set) cp "$file" "$FAKE_AZ_DIR/vault/$name"; exit 0 ;;
    esac ;;
  "functionapp restart") exit 0 ;;
esac
echo "fake az: unexpected call: $command $group $verb" >&2
exit 2
`;

/** The tools infra/hooks/postprovision.sh calls besides az. */
const HOOK_TOOLS = ['sh', 'cat', 'head', 'base64', 'tr', 'mktemp', 'rm', 'cp', 'sleep', 'printf'];

export interface HookRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export class FakeAzure {
  readonly dir = mkdtempSync(join(tmpdir(), 'org-mailer-fake-az-'));
  private readonly bin = join(this.dir, 'bin');

  constructor(options: { withAz?: boolean } = {}) {
    mkdirSync(join(this.dir, 'vault'));
    mkdirSync(this.bin);
    for (const tool of HOOK_TOOLS) {
      const found = ['/usr/bin', '/bin'].map((d) => join(d, tool)).find(existsSync);
      if (found) symlinkSync(found, join(this.bin, tool));
    }
    if (options.withAz !== false) {
      writeFileSync(join(this.bin, 'az'), FAKE_AZ);
      chmodSync(join(this.bin, 'az'), 0o755);
    }
  }

  /** Puts a secret in the fake vault. */
  setSecret(name: string, value: string): void {
    writeFileSync(join(this.dir, 'vault', name), value);
  }

  secret(name: string): string | undefined {
    const path = join(this.dir, 'vault', name);
    return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  }

  /** The next `count` Key Vault calls answer 403, as before role assignments have propagated. */
  forbidNext(count: number): void {
    writeFileSync(join(this.dir, 'forbidden'), String(count));
  }

  signOut(): void {
    writeFileSync(join(this.dir, 'signed-out'), '');
  }

  /** Every az command line the hook ran. */
  calls(): string[] {
    const log = join(this.dir, 'calls.log');
    return existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
  }

  run(script: string, env: Record<string, string>): HookRun {
    const result = spawnSync(join(this.bin, 'sh'), [script], {
      env: { ...env, PATH: this.bin, HOME: this.dir, TMPDIR: this.dir, FAKE_AZ_DIR: this.dir },
      encoding: 'utf8',
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
