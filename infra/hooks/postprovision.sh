#!/bin/sh
# azd postprovision hook (azure.yaml): runs after every `azd provision` / `azd up`, before the code deploy.
#
# 1. Creates the state-signing key in Key Vault when it is absent, and never touches it when present.
#    Why here and not in Bicep: a template can only write a secret on EVERY deployment (re-keying the
#    app and voiding every outstanding consent and admin link), and azd's secretOrRandomPassword makes
#    15 characters where the app demands 32. The key never passes through a deployment parameter, a
#    command line or this script's output: it goes from /dev/urandom to a 0600 temp file to the vault.
# 2. Checks every Key Vault reference the app settings hold (KEY_VAULT_REFERENCES, from main.bicep: the
#    platform client secrets, the directory app's secret when MICROSOFT_DIRECTORY_CLIENT_ID is set, the
#    state-signing key) and FAILS naming each missing secret and the command that sets it: an
#    unresolved reference stays literal text and the app refuses to start (shared/config.ts).
#    https://learn.microsoft.com/azure/app-service/app-service-key-vault-references#troubleshoot-key-vault-references
# 3. Prints the redirect URIs to register and, with microsoftCredential=managed-identity, the federated
#    credential to add to the platform app.
#
# Needs the Azure CLI signed in to the same tenant (`az login`). azd passes the Bicep outputs
# (AZURE_KEY_VAULT_NAME, PUBLIC_BASE_URL, ...) and the environment's values as environment variables.
# Re-run it alone with: azd hooks run postprovision
set -eu

# Role assignments take a few minutes to reach Key Vault: a fresh deployment's first calls may get 403.
rbac_wait_seconds=${KEY_VAULT_RBAC_WAIT_SECONDS:-15}
rbac_attempts=${KEY_VAULT_RBAC_ATTEMPTS:-20}

fail() {
  echo "postprovision: $*" >&2
  exit 1
}

for name in AZURE_RESOURCE_GROUP AZURE_FUNCTION_APP_NAME AZURE_KEY_VAULT_NAME AZURE_TENANT_ID PUBLIC_BASE_URL \
  MICROSOFT_CREDENTIAL KEY_VAULT_REFERENCES AZURE_MANAGED_IDENTITY_PRINCIPAL_ID; do
  eval "value=\${$name:-}"
  [ -n "$value" ] || fail "$name is not set. azd sets it from the Bicep outputs: run 'azd provision' first."
done

vault=$AZURE_KEY_VAULT_NAME
subscription_args=""
[ -n "${AZURE_SUBSCRIPTION_ID:-}" ] && subscription_args="--subscription $AZURE_SUBSCRIPTION_ID"

command -v az >/dev/null 2>&1 || fail "the Azure CLI (az) is not installed. Install it, run 'az login', then 'azd hooks run postprovision'."
# shellcheck disable=SC2086
az account show $subscription_args --output none 2>/dev/null || fail "the Azure CLI is not signed in. Run 'az login --tenant $AZURE_TENANT_ID', then 'azd hooks run postprovision'."

# Prints "present" or "absent" for a secret name; waits out RBAC propagation; fails on anything else.
# (`--output none` on writes matters too: `az keyvault secret set` otherwise prints the value back.)
# Only the secret's id is requested, and even that is discarded: its value never reaches this shell.
secret_state() {
  attempt=1
  while :; do
    if error=$(az keyvault secret show --vault-name "$vault" --name "$1" --query id --output tsv 2>&1 >/dev/null); then
      echo present
      return 0
    fi
    case $error in
      *SecretNotFound*)
        echo absent
        return 0
        ;;
      *Forbidden*)
        [ "$attempt" -lt "$rbac_attempts" ] || fail "Key Vault $vault still refuses access after $attempt tries. The deploying principal needs Key Vault Secrets Officer on it (main.bicep grants it to principalId)."
        echo "postprovision: waiting for Key Vault role assignments to take effect ($attempt/$rbac_attempts)..." >&2
        sleep "$rbac_wait_seconds"
        attempt=$((attempt + 1))
        ;;
      *)
        fail "reading secret $1 from Key Vault $vault failed: $error"
        ;;
    esac
  done
}

# The vault secret an app setting references, from KEY_VAULT_REFERENCES (SETTING=secret-name pairs).
referenced_secret() {
  for reference in $KEY_VAULT_REFERENCES; do
    [ "${reference%%=*}" = "$1" ] && echo "${reference#*=}" && return 0
  done
  fail "KEY_VAULT_REFERENCES names no secret for $1. Run 'azd provision' with the current infra/ first."
}

ensure_state_signing_key() {
  name=$(referenced_secret STATE_SIGNING_KEY)
  # Assigned first: `set -e` stops the script when secret_state fails, which a test inside [ ] would hide.
  state=$(secret_state "$name")
  if [ "$state" = present ]; then
    echo "State-signing key: present in $vault ($name), left as it is."
    return 0
  fi
  key_file=$(umask 077 && mktemp)
  trap 'rm -f "$key_file"' EXIT INT TERM
  # 48 random bytes, base64: 64 characters (the app requires at least 32).
  head -c 48 /dev/urandom | base64 | tr -d '\n' >"$key_file"
  az keyvault secret set --vault-name "$vault" --name "$name" --file "$key_file" --encoding utf-8 \
    --content-type text/plain --output none
  rm -f "$key_file"
  echo "State-signing key: created in $vault ($name)."
  # App Service caches Key Vault references; a restart makes it resolve the new secret now.
  # https://learn.microsoft.com/azure/app-service/app-service-key-vault-references#rotation
  # shellcheck disable=SC2086
  az functionapp restart --name "$AZURE_FUNCTION_APP_NAME" --resource-group "$AZURE_RESOURCE_GROUP" $subscription_args --output none
}

ensure_state_signing_key

# What each referenced secret is, for the operator (infra/README.md, step 1).
describe_secret() {
  case $1 in
    MICROSOFT_CLIENT_SECRET) echo "client secret of the platform Microsoft app ${MICROSOFT_CLIENT_ID:-} (the VALUE, not its ID)" ;;
    GOOGLE_CLIENT_SECRET) echo "client secret of the platform Google OAuth client ${GOOGLE_CLIENT_ID:-}" ;;
    MICROSOFT_DIRECTORY_CLIENT_SECRET) echo "client secret of the directory app ${MICROSOFT_DIRECTORY_CLIENT_ID:-} (its own secret, not the platform app's)" ;;
    *) echo "the secret app setting $1 reads" ;;
  esac
}

missing=""
for reference in $KEY_VAULT_REFERENCES; do
  setting=${reference%%=*}
  secret=${reference#*=}
  state=$(secret_state "$secret")
  if [ "$state" = absent ]; then
    missing="$missing
  $secret ($setting: $(describe_secret "$setting")):
    az keyvault secret set --vault-name $vault --name $secret --file <file holding only the secret>"
  fi
done

cat <<EOF

org-mailer is provisioned: $PUBLIC_BASE_URL

Register these redirect URIs (see infra/README.md, "Register the platform apps"):
  Microsoft Entra app ${MICROSOFT_CLIENT_ID:-<MICROSOFT_CLIENT_ID>}, platform "Web":
    $PUBLIC_BASE_URL/api/oauth/microsoft/callback
  Google OAuth web client ${GOOGLE_CLIENT_ID:-<GOOGLE_CLIENT_ID>}, "Authorized redirect URIs":
    $PUBLIC_BASE_URL/api/oauth/google/callback
EOF

if [ "$MICROSOFT_CREDENTIAL" = managed-identity ]; then
  cat <<EOF

microsoftCredential=managed-identity: the app signs in as the platform Microsoft app with its managed
identity, through this federated identity credential on that app (no client secret exists):
  az ad app federated-credential create --id ${MICROSOFT_CLIENT_ID:-<MICROSOFT_CLIENT_ID>} --parameters '{
    "name": "org-mailer-${AZURE_ENV_NAME:-env}",
    "issuer": "https://login.microsoftonline.com/$AZURE_TENANT_ID/v2.0",
    "subject": "$AZURE_MANAGED_IDENTITY_PRINCIPAL_ID",
    "audiences": ["api://AzureADTokenExchange"]
  }'
EOF
fi

if [ -n "${MICROSOFT_DIRECTORY_CLIENT_ID:-}" ]; then
  cat <<EOF

Directory app $MICROSOFT_DIRECTORY_CLIENT_ID (application-mode directory connections; infra/README.md,
"Optional: the directory app"): it must be multi-tenant ("Accounts in any organizational directory"),
have the Graph APPLICATION permissions User.Read.All and Group.Read.All, its own client secret, and
this redirect URI on its platform "Web" (its admin consent returns there; without it Entra answers
AADSTS50011):
    $PUBLIC_BASE_URL/api/oauth/microsoft/callback
EOF
fi

cat <<EOF

Google "oauth" directory connections sign in through the platform Google client, so its Cloud project
needs the Admin SDK API enabled (APIs & Services > Library > "Admin SDK API") and these scopes on its
consent screen (Data access), or they fail with DIRECTORY_API_DISABLED:
    https://www.googleapis.com/auth/admin.directory.user.readonly
    https://www.googleapis.com/auth/admin.directory.group.readonly
    https://www.googleapis.com/auth/admin.directory.group.member.readonly
EOF

if [ -n "$missing" ]; then
  cat >&2 <<EOF

postprovision: missing in Key Vault $vault (an app setting references each; the app cannot start without them):$missing
Then restart the app so it reads them at once, check again, and deploy:
  az functionapp restart --name $AZURE_FUNCTION_APP_NAME --resource-group $AZURE_RESOURCE_GROUP
  azd hooks run postprovision && azd deploy
EOF
  exit 1
fi

cat <<EOF

Next: 'azd deploy' (if this was 'azd provision'), then open $PUBLIC_BASE_URL/api/health
and configure the default sender with PUT /api/orgs/_default/sender (infra/README.md).
EOF
