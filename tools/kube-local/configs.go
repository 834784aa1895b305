package main

import (
	"archive/tar"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

func (c *cluster) writeConfigs() error {
	files := map[string]string{}
	files[c.path("containerd", "config.toml")] = fmt.Sprintf(`version = 2
root = %[1]q
state = %[2]q
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = %[3]q

[ttrpc]
  address = %[4]q

[plugins."io.containerd.internal.v1.opt"]
  path = %[5]q

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = %[6]q
  enable_selinux = false
  disable_apparmor = true
  restrict_oom_score_adj = true
  max_container_log_line_size = 65536
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    discard_unpacked_layers = false
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = %[7]q
    max_conf_num = 1
`, c.path("containerd", "root"), c.path("containerd", "state"), c.containerdSock(), c.containerdSock()+".ttrpc",
		c.path("containerd", "opt"), pauseImage, c.path("cni", "net.d"))

	bridge := map[string]any{
		"type": "bridge", "bridge": bridgeName, "isGateway": c.egress, "ipMasq": c.egress, "hairpinMode": true,
		"ipam": map[string]any{
			"type":   "host-local",
			"ranges": [][]map[string]string{{{"subnet": podCIDR, "gateway": podGateway}}},
			// ClusterIPs are reached through the node (kube-proxy's DNAT), even without --pod-egress.
			"routes":  []map[string]string{{"dst": serviceCIDR, "gw": podGateway}},
			"dataDir": c.path("cni", "ipam"),
		},
	}
	conf := map[string]any{
		"cniVersion": "0.4.0",
		"name":       cniNetName,
		"plugins": []any{
			bridge,
			map[string]any{"type": "portmap", "capabilities": map[string]bool{"portMappings": true}},
		},
	}
	cb, _ := json.MarshalIndent(conf, "", "  ")
	files[c.path("cni", "net.d", "10-kube-local.conflist")] = string(cb)

	files[c.path("kubelet-config.yaml")] = fmt.Sprintf(`apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: %[1]s
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous:
    enabled: false
  webhook:
    enabled: true
  x509:
    clientCAFile: %[2]s
authorization:
  mode: Webhook
tlsCertFile: %[3]s
tlsPrivateKeyFile: %[4]s
containerRuntimeEndpoint: unix://%[5]s
cgroupDriver: cgroupfs
failSwapOn: false
failCgroupV1: false
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard:
  memory.available: "100Mi"
  nodefs.available: "0%%"
  nodefs.inodesFree: "0%%"
  imagefs.available: "0%%"
  imagefs.inodesFree: "0%%"
podLogsDir: %[6]s
serializeImagePulls: false
registerNode: true
rotateCertificates: false
serverTLSBootstrap: false
maxPods: 110
kubeAPIQPS: 50
kubeAPIBurst: 100
eventRecordQPS: 50
syncFrequency: 10s
# A step's output is read back from its container log: rotation at the default 10Mi while a
# step writes tens of MiB can cost the sidecar strategy bytes (it says so when it happens).
containerLogMaxSize: 100Mi
containerLogMaxFiles: 3
nodeStatusUpdateFrequency: 5s
nodeStatusReportFrequency: 1m
shutdownGracePeriod: 0s
resolvConf: /etc/resolv.conf
localStorageCapacityIsolation: true
`, c.nodeIP, c.path("pki", "ca.crt"), c.path("pki", "kubelet-serving.crt"), c.path("pki", "kubelet-serving.key"),
		c.containerdSock(), c.path("pod-logs"))

	// kube-proxy, iptables mode. It must change no host-wide setting that down could not undo:
	// conntrack limits and timeouts are left as they are (0), no route_localnet for NodePorts on
	// 127.0.0.1 (localhostNodePorts: false), no OOM score change. Pod-to-ClusterIP traffic whose
	// endpoint is on the same bridge relies on br_netfilter (bridge-nf-call-iptables, see
	// setupBridge); without it every service connection is masqueraded instead.
	files[c.path("kube-proxy-config.yaml")] = fmt.Sprintf(`apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection:
  kubeconfig: %[1]s
  qps: 50
  burst: 100
hostnameOverride: %[2]s
bindAddress: 0.0.0.0
healthzBindAddress: 127.0.0.1:%[3]d
metricsBindAddress: 127.0.0.1:%[4]d
enableProfiling: false
mode: iptables
nodePortAddresses: [primary]
clusterCIDR: %[5]s
detectLocalMode: ClusterCIDR
iptables:
  masqueradeAll: %[6]v
  localhostNodePorts: false
  syncPeriod: 30s
  minSyncPeriod: 100ms
oomScoreAdj: 0
conntrack:
  maxPerCore: 0
  min: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
logging:
  verbosity: 1
`, c.path("kube-proxy.kubeconfig"), c.nodeName, proxyHealthzPort, proxyMetricsPort, podCIDR, !bridgeNetfilter())

	files[c.path("scheduler-config.yaml")] = fmt.Sprintf(`apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
clientConnection:
  kubeconfig: %s
  qps: 50
  burst: 100
leaderElection:
  leaderElect: false
`, c.path("scheduler.kubeconfig"))

	for p, content := range files {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := writeFileAtomic(p, content); err != nil {
			return err
		}
	}
	return nil
}

// writeFileAtomic replaces a file unless it already holds content: a running containerd (CNI
// config) or kube-proxy (its config) never reads a half-written file, nor sees a needless change.
func writeFileAtomic(path, content string) error {
	if old, err := os.ReadFile(path); err == nil && string(old) == content {
		return nil
	}
	tmp := path + ".tmp" // not a CNI config extension: containerd ignores it
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func (c *cluster) apiserverArgs() []string {
	p := func(f string) string { return c.path("pki", f) }
	return []string{"apiserver",
		fmt.Sprintf("--etcd-servers=http://127.0.0.1:%d", c.etcdPort),
		"--advertise-address=" + c.nodeIP.String(),
		"--bind-address=" + c.apiBind,
		fmt.Sprintf("--secure-port=%d", c.apiPort),
		"--tls-cert-file=" + p("apiserver.crt"),
		"--tls-private-key-file=" + p("apiserver.key"),
		"--client-ca-file=" + p("ca.crt"),
		"--kubelet-client-certificate=" + p("apiserver-kubelet-client.crt"),
		"--kubelet-client-key=" + p("apiserver-kubelet-client.key"),
		"--kubelet-certificate-authority=" + p("ca.crt"),
		"--kubelet-preferred-address-types=InternalIP,Hostname",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + p("sa.pub"),
		"--service-account-signing-key-file=" + p("sa.key"),
		"--service-cluster-ip-range=" + serviceCIDR,
		"--authorization-mode=Node,RBAC",
		"--enable-admission-plugins=NodeRestriction",
		"--allow-privileged=true",
		"--profiling=false",
		"--event-ttl=30m",
		"--v=1",
	}
}

func (c *cluster) controllerManagerArgs() []string {
	kc := c.path("controller-manager.kubeconfig")
	return []string{
		"--kubeconfig=" + kc,
		"--authentication-kubeconfig=" + kc,
		"--authorization-kubeconfig=" + kc,
		"--bind-address=127.0.0.1",
		"--leader-elect=false",
		"--use-service-account-credentials=true",
		"--service-account-private-key-file=" + c.path("pki", "sa.key"),
		"--root-ca-file=" + c.path("pki", "ca.crt"),
		"--cluster-signing-cert-file=" + c.path("pki", "ca.crt"),
		"--cluster-signing-key-file=" + c.path("pki", "ca.key"),
		// The node gets spec.podCIDR, as on kubeadm, kind or k3s: a client on this machine finds its
		// own address in the pod network there (the bridge gateway, which pods reach: they have no default route).
		"--allocate-node-cidrs=true",
		"--cluster-cidr=" + podCIDR,
		"--node-cidr-mask-size=24",
		"--cluster-name=kube-local",
		"--kube-api-qps=50", "--kube-api-burst=100",
		"--profiling=false",
		"--v=1",
	}
}

func (c *cluster) schedulerArgs() []string {
	kc := c.path("scheduler.kubeconfig")
	return []string{
		"--config=" + c.path("scheduler-config.yaml"),
		"--authentication-kubeconfig=" + kc,
		"--authorization-kubeconfig=" + kc,
		"--bind-address=127.0.0.1",
		"--profiling=false",
		"--v=1",
	}
}

func (c *cluster) kubeletArgs() []string {
	return []string{
		"--config=" + c.path("kubelet-config.yaml"),
		"--kubeconfig=" + c.path("kubelet.kubeconfig"),
		"--root-dir=" + c.path("kubelet"),
		"--cert-dir=" + c.path("kubelet", "pki"),
		"--hostname-override=" + c.nodeName,
		"--node-ip=" + c.nodeIP.String(),
		"--v=1",
	}
}

func (c *cluster) kubeProxyArgs() []string {
	return []string{"--config=" + c.path("kube-proxy-config.yaml")}
}

const (
	proxyHealthzPort = 10256
	proxyMetricsPort = 10249
	bridgeNFSysctl   = "/proc/sys/net/bridge/bridge-nf-call-iptables"
)

// bridgeNetfilter: whether bridged traffic can pass iptables (br_netfilter loaded or built in).
func bridgeNetfilter() bool {
	_, err := os.Stat(bridgeNFSysctl)
	return err == nil
}

// setSysctl writes a /proc/sys value and records the previous one in <state>/sysctl-before
// (first change only), so down can put it back.
func (c *cluster) setSysctl(path, value string) error {
	old, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if strings.TrimSpace(string(old)) == value {
		return nil
	}
	prev, _ := os.ReadFile(c.path("sysctl-before"))
	if !strings.Contains(string(prev), path+"=") {
		f, err := os.OpenFile(c.path("sysctl-before"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		fmt.Fprintf(f, "%s=%s\n", path, strings.TrimSpace(string(old)))
		f.Close()
	}
	return os.WriteFile(path, []byte(value), 0o644)
}

// restoreSysctls puts back what setSysctl changed.
func (c *cluster) restoreSysctls() {
	b, err := os.ReadFile(c.path("sysctl-before"))
	if err != nil {
		return
	}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			if err := os.WriteFile(k, []byte(v), 0o644); err != nil && !os.IsNotExist(err) {
				logf("warning: restoring %s=%s: %v", k, v, err)
			}
		}
	}
	os.Remove(c.path("sysctl-before"))
}

// setupBridge creates the pod bridge with the gateway address so the host can
// reach pods; pods get no default route unless --pod-egress. For Services, packets
// from pods to a ClusterIP are routed (and DNATed by kube-proxy) by the host back
// onto the bridge: forwarding is enabled for packets arriving on the bridge only
// (net.ipv4.conf.kubelocal0.forwarding, gone with the bridge), and bridged replies
// must pass iptables (bridge-nf-call-iptables=1) to be un-NATed.
func (c *cluster) setupBridge() error {
	if err := exec.Command("ip", "link", "show", bridgeName).Run(); err != nil {
		if out, err := exec.Command("ip", "link", "add", bridgeName, "type", "bridge").CombinedOutput(); err != nil {
			return fmt.Errorf("ip link add %s: %v: %s", bridgeName, err, out)
		}
	}
	if !c.egress {
		out, _ := exec.Command("ip", "-4", "addr", "show", "dev", bridgeName).Output()
		if !strings.Contains(string(out), podGateway+"/") {
			if out, err := exec.Command("ip", "addr", "add", podGateway+"/24", "dev", bridgeName).CombinedOutput(); err != nil {
				return fmt.Errorf("ip addr add: %v: %s", err, out)
			}
		}
	}
	if out, err := exec.Command("ip", "link", "set", bridgeName, "up").CombinedOutput(); err != nil {
		return fmt.Errorf("ip link set up: %v: %s", err, out)
	}
	if err := os.WriteFile("/proc/sys/net/ipv4/conf/"+bridgeName+"/forwarding", []byte("1"), 0o644); err != nil {
		return fmt.Errorf("enabling forwarding on %s: %w", bridgeName, err)
	}
	if err := quickNeighbourRecheck(); err != nil {
		logf("warning: %v (a pod given an address an earlier pod had may be unreachable for ~15 s)", err)
	}
	if bridgeNetfilter() {
		if err := c.setSysctl(bridgeNFSysctl, "1"); err != nil {
			logf("warning: %v (ClusterIPs whose endpoint is on this node may not answer)", err)
		}
	}
	return refuseStrayServiceTraffic()
}

// quickNeighbourRecheck: host-local IPAM hands out an address again once it has gone round the
// /24, and the host's neighbour entry for it still holds the earlier pod's MAC (stale entries are
// not collected below gc_thresh1). Linux checks such an entry by unicast to that MAC, after 5 s
// and 3 probes a second apart, so the first connection to the new pod (the API server's pod
// proxy, an exec) stalls until a SYN retransmit ~13–15 s later. Checked by broadcast after 1 s
// instead, the new pod answers at once. The settings are the bridge's, gone with it.
func quickNeighbourRecheck() error {
	dir := "/proc/sys/net/ipv4/neigh/" + bridgeName + "/"
	for _, kv := range [][2]string{{"delay_first_probe_time", "1"}, {"ucast_solicit", "0"}, {"mcast_resolicit", "3"}} {
		if err := os.WriteFile(dir+kv[0], []byte(kv[1]), 0o644); err != nil {
			return fmt.Errorf("neighbour settings of %s: %w", bridgeName, err)
		}
	}
	return nil
}

// refuseStrayServiceTraffic: a packet from a pod to a ClusterIP port no Service maps is not
// DNATed by kube-proxy and would leave through the host's default route (pod source address and
// all) to time out; it is refused at once instead, as a closed port is. Its chain is new since up,
// so down removes it with kube-proxy's.
func refuseStrayServiceTraffic() error {
	const chain = "KUBE-LOCAL-STRAY-SERVICE"
	ipt := func(args ...string) error {
		out, err := exec.Command("iptables", append([]string{"-w", "-t", "filter"}, args...)...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("iptables %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
		}
		return nil
	}
	if ipt("-S", chain) != nil {
		for _, args := range [][]string{
			{"-N", chain},
			{"-A", chain, "-p", "tcp", "-j", "REJECT", "--reject-with", "tcp-reset"},
			{"-A", chain, "-j", "REJECT", "--reject-with", "icmp-port-unreachable"},
		} {
			if err := ipt(args...); err != nil {
				return err
			}
		}
	}
	rule := []string{"FORWARD", "-i", bridgeName, "-d", serviceCIDR, "-j", chain}
	if ipt(append([]string{"-C"}, rule...)...) == nil {
		return nil
	}
	return ipt(append([]string{"-I"}, rule...)...)
}

// criReady checks that containerd's CRI answers on the socket.
func criReady(sock string) error {
	if _, err := os.Stat(sock); err != nil {
		return err
	}
	conn, err := grpc.NewClient("unix://"+sock, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err = runtimeapi.NewRuntimeServiceClient(conn).Version(ctx, &runtimeapi.VersionRequest{})
	return err
}

// ociArchiveRef reads index.json of an OCI archive and returns the image name
// and manifest digest.
func ociArchiveRef(path string) (name, digest string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", "", err
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return "", "", fmt.Errorf("%s: no index.json", path)
		}
		if err != nil {
			return "", "", err
		}
		if strings.TrimPrefix(h.Name, "./") != "index.json" {
			continue
		}
		var idx struct {
			Manifests []struct {
				Digest      string            `json:"digest"`
				Annotations map[string]string `json:"annotations"`
			} `json:"manifests"`
		}
		if err := json.NewDecoder(tr).Decode(&idx); err != nil {
			return "", "", err
		}
		if len(idx.Manifests) == 0 {
			return "", "", fmt.Errorf("%s: empty index", path)
		}
		m := idx.Manifests[0]
		return m.Annotations["io.containerd.image.name"], m.Digest, nil
	}
}

// importImages imports every *.tar under dir not already present with the same digest.
func (c *cluster) importImages(dir string) (int, error) {
	archives, _ := filepath.Glob(filepath.Join(dir, "*.tar"))
	if len(archives) == 0 {
		if _, err := os.Stat(dir); err != nil && dir == defaultImgs {
			return 0, nil
		}
		logf("warning: no image archives in %s", dir)
		return 0, nil
	}
	sort.Strings(archives)
	out, err := exec.Command("ctr", "--address", c.containerdSock(), "-n", "k8s.io", "images", "ls").Output()
	if err != nil {
		return 0, fmt.Errorf("ctr images ls: %w", err)
	}
	have := map[string]bool{}
	for _, line := range strings.Split(string(out), "\n") {
		if fs := strings.Fields(line); len(fs) >= 3 {
			have[fs[0]+"@"+fs[2]] = true
		}
	}
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		n    int
		errs []string
		sem  = make(chan struct{}, 2)
	)
	for _, a := range archives {
		name, digest, err := ociArchiveRef(a)
		if err != nil {
			return n, err
		}
		if name != "" && have[name+"@"+digest] {
			continue
		}
		wg.Add(1)
		go func(a string) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			cmd := exec.Command("ctr", "--address", c.containerdSock(), "-n", "k8s.io", "images", "import", a)
			out, err := cmd.CombinedOutput()
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Sprintf("ctr images import %s: %v: %s", a, err, out))
				return
			}
			n++
		}(a)
	}
	wg.Wait()
	if len(errs) > 0 {
		return n, fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return n, nil
}
