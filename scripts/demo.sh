#!/usr/bin/env bash
# make demo: the provider end to end against a local clouddc-emulator, in about a minute.
#
# Builds the provider and the emulator into a temp dir, starts the emulator on a free port, points
# Terraform at the fresh provider binary through dev_overrides, applies examples/demo (a fleet of
# instances plus batch-delete resources covering it in chunks of at most 50), prints the outputs,
# destroys everything, and prints what the emulator saw. Everything it writes lives in the temp dir,
# which is removed on exit, as is the emulator process, whatever happens.
#
# Environment: DEMO_FLEET_SIZE (default 120), DEMO_KEEP_TMP=1 keeps the temp dir for inspection.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
fleet_size=${DEMO_FLEET_SIZE:-120}
servers=$((fleet_size + 30))
project_id="0123456789abcdef0123456789abcdef"
token="demo-token-$RANDOM$RANDOM"

step() { printf '\n==> %s\n' "$*"; }
die() { printf '\ndemo: FAILED: %s\n' "$*" >&2; exit 1; }

command -v go >/dev/null 2>&1 || die "go is not on PATH"
command -v terraform >/dev/null 2>&1 || die "terraform is not on PATH (Terraform >= 1.11 is needed)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/clouddc-demo.XXXXXX")
emulator_pid=""
cleanup() {
	local rc=$?
	if [[ -n "$emulator_pid" ]] && kill -0 "$emulator_pid" 2>/dev/null; then
		kill "$emulator_pid" 2>/dev/null || true
		wait "$emulator_pid" 2>/dev/null || true
	fi
	if ((rc != 0)) && [[ -s "$tmp/emulator.log" ]]; then
		printf '\n--- last lines of the emulator log ---\n' >&2
		tail -n 20 "$tmp/emulator.log" >&2 || true
	fi
	if [[ "${DEMO_KEEP_TMP:-}" == 1 ]]; then
		echo "demo: kept $tmp" >&2
	else
		rm -rf "$tmp"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

started=$SECONDS
elapsed() { printf '%ds' "$((SECONDS - started))"; }

step "building terraform-provider-clouddc and clouddc-emulator into $tmp/bin"
(cd "$repo" && go build -o "$tmp/bin/terraform-provider-clouddc" . && go build -o "$tmp/bin/clouddc-emulator" ./cmd/clouddc-emulator) \
	|| die "build failed"

step "starting clouddc-emulator (--servers $servers --create-duration 2s --delete-duration 3s)"
"$tmp/bin/clouddc-emulator" \
	--listen 127.0.0.1:0 \
	--project-id "$project_id" \
	--token "$token" \
	--servers "$servers" \
	--create-duration 2s \
	--delete-duration 3s \
	--terminated-ttl 10m \
	>"$tmp/emulator.out" 2>"$tmp/emulator.log" &
emulator_pid=$!

# Wait (at most 15 s) for the one startup line: "clouddc-emulator listening on http://HOST:PORT".
endpoint=""
for _ in $(seq 150); do
	if line=$(grep -m1 -E '^clouddc-emulator listening on http' "$tmp/emulator.out" 2>/dev/null); then
		endpoint=${line#clouddc-emulator listening on }
		break
	fi
	kill -0 "$emulator_pid" 2>/dev/null || die "the emulator exited before it was ready"
	sleep 0.1
done
[[ -n "$endpoint" ]] || die "the emulator did not print its startup line within 15 s"
echo "    emulator listening on $endpoint (pid $emulator_pid)"

step "configuring terraform: dev_overrides -> $tmp/bin"
cat >"$tmp/terraformrc" <<RC
provider_installation {
  dev_overrides {
    "registry.terraform.io/clouddc-community/clouddc" = "$tmp/bin"
  }
  direct {}
}
RC
cp -R "$repo/examples/demo" "$tmp/work"
export TF_CLI_CONFIG_FILE="$tmp/terraformrc"
export TF_DATA_DIR="$tmp/work/.terraform"
export TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
export TF_VAR_fleet_size="$fleet_size"
# The provider reads its configuration from the environment (see README: provider configuration).
export CLOUDDC_ENDPOINT="$endpoint" CLOUDDC_PROJECT_ID="$project_id" CLOUDDC_AUTH_TOKEN="$token"
cd "$tmp/work"

# tf runs a terraform command with its full output in $tmp/terraform.log and shows only the progress
# lines (resources being created or destroyed, the plan summary, warnings and errors): the plan of a
# 120-instance fleet is long. The whole log is printed if the command fails.
tf() {
	# Ctrl-C reaches the emulator too; terraform may still finish its step gracefully, so stop here.
	kill -0 "$emulator_pid" 2>/dev/null || die "the emulator is no longer running (interrupted?)"
	printf '\n$ terraform %s\n' "$*" >>"$tmp/terraform.log"
	local rc
	set +o errexit
	terraform "$@" -no-color -input=false 2>&1 | tee -a "$tmp/terraform.log" |
		awk '/^(clouddc_[a-z_.]+(\[[0-9]+\])?: |Plan: |Apply complete|Destroy complete|Error: |Warning: )/ { print "    " $0; fflush() }'
	rc=${PIPESTATUS[0]}
	set -o errexit
	if ((rc != 0)); then
		printf '\n--- terraform %s failed (exit %d); its full output: ---\n' "$1" "$rc" >&2
		sed -n '/^\$ terraform '"$1"'/,$p' "$tmp/terraform.log" >&2
	fi
	return "$rc"
}

step "terraform apply: a fleet of $fleet_size instances and batch-delete resources in chunks of at most 50 [$(elapsed)]"
t0=$SECONDS
tf apply -auto-approve || die "terraform apply failed"
echo "    apply took $((SECONDS - t0))s"

step "terraform output [$(elapsed)]"
terraform output -no-color || die "terraform output failed"

step "terraform destroy: batch-delete every chunk and wait until each instance is terminated [$(elapsed)]"
t0=$SECONDS
tf destroy -auto-approve || die "terraform destroy failed"
echo "    destroy took $((SECONDS - t0))s"

remaining=$(terraform state list 2>/dev/null | wc -l)
((remaining == 0)) || die "the state still lists $remaining resources after destroy"

kill -0 "$emulator_pid" 2>/dev/null || die "the emulator is no longer running (interrupted?)"
step "what the emulator saw (GET $endpoint/_emulator/stats) [$(elapsed)]"
stats_url="$endpoint/_emulator/stats"
if command -v python3 >/dev/null 2>&1; then
	python3 - "$stats_url" <<'PY' || die "could not read the emulator's stats"
import json, sys, urllib.request

with urllib.request.urlopen(sys.argv[1], timeout=10) as resp:
    stats = json.load(resp)

def table(title, counts):
    print(f"  {title}")
    if not counts:
        print("    (none)")
    width = max((len(k) for k in counts), default=0)
    for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"    {name:<{width}}  {n:>6}")
    print(f"    {'total':<{width}}  {sum(counts.values()):>6}")

table("API calls per operation:", stats.get("requests", {}))
table("HTTP responses per status:", stats.get("responses", {}))
table("instances per state:", stats.get("instances", {}))

# The demo's promise: every instance it created is terminated, none is left behind.
left = {s: n for s, n in stats.get("instances", {}).items() if s != "terminated" and n}
if left:
    sys.exit(f"demo: instances left that are not terminated: {left}")
PY
else
	curl -fsS "$stats_url" || die "could not read the emulator's stats"
	echo
fi

step "done in $(elapsed): applied and destroyed $fleet_size instances; the emulator is stopped and $tmp is removed"
