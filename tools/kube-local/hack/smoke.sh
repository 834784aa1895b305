#!/usr/bin/env bash
# Manual proof of the local cluster: runner pod with a redis service container,
# logs, exec (stdout/stderr/exit code), an ephemeral container sharing volumes
# and localhost, a postgres service. Needs a running cluster (kube-local up).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
kl="$here/bin/kube-local"
export KUBECONFIG="${KUBECONFIG:-$("$kl" kubeconfig)}"
k() { "$kl" kubectl "$@"; }
ms() { date +%s%3N; }
ns=kube-local-smoke
k delete ns "$ns" --ignore-not-found --wait=true >/dev/null
k create ns "$ns" >/dev/null
until k -n "$ns" get sa default >/dev/null 2>&1; do sleep 0.1; done
fail() { echo "SMOKE FAIL: $*" >&2; k -n "$ns" describe pods >&2 || true; exit 1; }

t0=$(ms)
k -n "$ns" apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: job}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  volumes: [{name: work, emptyDir: {}}]
  containers:
  - name: runner
    image: kact.local/runner:trixie
    imagePullPolicy: Never
    command: [bash, -c, 'echo hello from $(uname -n) > /work/hello; node --version; python --version; git --version | head -1; exec sleep infinity']
    volumeMounts: [{name: work, mountPath: /work}]
  - name: redis
    image: redis:7
    imagePullPolicy: IfNotPresent
YAML
k -n "$ns" wait --for=condition=Ready pod/job --timeout=60s >/dev/null || fail "pod not ready"
echo "pod create -> Ready: $(( $(ms) - t0 )) ms"
sleep 0.5
echo "--- logs"; k -n "$ns" logs job -c runner
echo "--- exec"
set +e
out=$(k -n "$ns" exec job -c runner -- bash -c 'echo out; echo err >&2; exit 3' 2>/tmp/smoke-err); rc=$?
set -e
[[ "$out" == out && "$(cat /tmp/smoke-err)" == *err* && $rc -eq 3 ]] || fail "exec: out=$out rc=$rc err=$(cat /tmp/smoke-err)"
echo "exec ok (stdout, stderr, exit code 3)"
t=$(ms); for i in 1 2 3 4 5; do k -n "$ns" exec job -c runner -- true; done; echo "kubectl exec x5: $(( ($(ms) - t) / 5 )) ms each (incl. kubectl start-up)"
echo "--- redis service from the runner container (localhost)"
pong=$(k -n "$ns" exec job -c runner -- bash -c 'for i in $(seq 50); do exec 3<>/dev/tcp/127.0.0.1/6379 && break; sleep 0.1; done; printf "PING\r\n" >&3; head -c 5 <&3')
[[ "$pong" == "+PONG" ]] || fail "redis answered '$pong'"
echo "redis: $pong"
echo "--- ephemeral container"
k -n "$ns" patch pod job --subresource ephemeralcontainers --type strategic -p '{"spec":{"ephemeralContainers":[{"name":"dbg","image":"kact.local/runner:trixie","imagePullPolicy":"Never","command":["sleep","600"],"volumeMounts":[{"name":"work","mountPath":"/work"}]}]}}' >/dev/null
for i in $(seq 100); do
  st=$(k -n "$ns" get pod job -o jsonpath='{.status.ephemeralContainerStatuses[0].state.running.startedAt}')
  [[ -n "$st" ]] && break; sleep 0.1
done
[[ -n "$st" ]] || fail "ephemeral container not running"
got=$(k -n "$ns" exec job -c dbg -- bash -c 'cat /work/hello; exec 3<>/dev/tcp/127.0.0.1/6379; printf "PING\r\n" >&3; head -c 5 <&3')
[[ "$got" == *hello*PONG* ]] || fail "ephemeral: $got"
echo "ephemeral ok: $(echo $got)"
echo "--- postgres service"
k -n "$ns" apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: pg}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: postgres
    image: postgres:15
    imagePullPolicy: Never
    env: [{name: POSTGRES_PASSWORD, value: pw}, {name: POSTGRES_USER, value: kact}, {name: POSTGRES_DB, value: kactdb}]
YAML
k -n "$ns" wait --for=condition=Ready pod/pg --timeout=60s >/dev/null || fail "pg not ready"
for i in $(seq 100); do
  k -n "$ns" exec pg -- bash -c 'PGPASSWORD=pw psql -h 127.0.0.1 -U kact -d kactdb -tAc "select 40+2"' 2>/dev/null | grep -q 42 && ok=1 && break
  sleep 0.3
done
[[ "${ok:-}" == 1 ]] || fail "postgres did not answer"
echo "postgres ok (password auth over TCP, POSTGRES_DB created)"
k delete ns "$ns" --wait=false >/dev/null
echo "SMOKE OK"
