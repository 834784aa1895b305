package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

type prereq struct{ path, pkg string }

var prereqs = []prereq{
	{"/usr/bin/containerd", "containerd"},
	{"/usr/bin/containerd-shim-runc-v2", "containerd"},
	{"/usr/bin/ctr", "containerd"},
	{"runc", "runc"},
	{"/usr/lib/cni/bridge", "containernetworking-plugins"},
	{"/usr/lib/cni/host-local", "containernetworking-plugins"},
	{"/usr/lib/cni/portmap", "containernetworking-plugins"},
	{"/usr/lib/cni/loopback", "containernetworking-plugins"},
	{"iptables", "iptables"},
	{"ip", "iproute2"},
	{"mount", "mount"},
}

func checkPrereqs() error {
	var missing []string
	pkgs := map[string]bool{}
	for _, p := range prereqs {
		if strings.HasPrefix(p.path, "/") {
			if _, err := os.Stat(p.path); err == nil {
				continue
			}
		} else if _, err := exec.LookPath(p.path); err == nil {
			continue
		}
		missing = append(missing, p.path)
		pkgs[p.pkg] = true
	}
	if len(missing) == 0 {
		return nil
	}
	var names []string
	for k := range pkgs {
		names = append(names, k)
	}
	return fmt.Errorf("missing %s; install with: apt-get install -y %s (or run tools/setup)",
		strings.Join(missing, ", "), strings.Join(names, " "))
}

type clusterInfo struct {
	NodeName string `json:"nodeName"`
	NodeIP   string `json:"nodeIP"`
	APIPort  int    `json:"apiPort"`
	// APIBind is empty in the cluster.json of an older binary, whose API server listened on every interface.
	APIBind  string `json:"apiBind,omitempty"`
	EtcdPort int    `json:"etcdPort"`
	Binary   string `json:"binary"`
	Egress   bool   `json:"podEgress"`
	Started  string `json:"started"`
}

func (c *cluster) up() error {
	if err := checkPrereqs(); err != nil {
		return err
	}
	t0 := time.Now()
	step := func(format string, a ...any) {
		logf("[%5.1fs] %s", time.Since(t0).Seconds(), fmt.Sprintf(format, a...))
	}
	// Reuse a healthy cluster; clean up a half-started or crashed one.
	if _, err := os.Stat(c.path("cluster.json")); err == nil {
		if c.healthy() {
			step("reusing the healthy cluster at %s", c.stateDir)
			if c.images != "" { // pick up images rebuilt since
				t := time.Now()
				n, err := c.importImages(c.images)
				if err != nil {
					return fmt.Errorf("importing images: %w", err)
				}
				if n > 0 {
					step("imported %d new image(s) from %s in %s", n, c.images, time.Since(t).Round(time.Millisecond))
				}
			}
			return nil
		}
		if c.healthy("kube-proxy") {
			// Only kube-proxy is missing: it died, or the cluster was started by a binary without
			// it. Start it alone rather than taking the cluster (and its pods) down.
			step("the cluster at %s runs without kube-proxy: starting it", c.stateDir)
			if err := c.addKubeProxy(); err != nil {
				return fmt.Errorf("starting kube-proxy in the running cluster: %w (or start afresh: kube-local down; kube-local up)", err)
			}
			step("kube-proxy synced its rules")
			return nil
		}
		step("found a stale or half-started cluster in %s: cleaning it up first", c.stateDir)
		if err := c.down(); err != nil {
			return fmt.Errorf("cleaning the stale cluster: %w (run: kube-local down)", err)
		}
	} else if len(c.ourProcesses()) > 0 {
		step("found leftover processes of %s: cleaning them up first", c.stateDir)
		if err := c.down(); err != nil {
			return err
		}
	}
	if c.nodeIP == nil {
		ip, err := detectNodeIP()
		if err != nil {
			return err
		}
		c.nodeIP = ip
	}
	if c.apiBind == "" {
		// Only the node's address, not every interface: nothing beyond this machine and its pods needs the API server.
		c.apiBind = c.nodeIP.String()
	} else if net.ParseIP(c.apiBind) == nil {
		return fmt.Errorf("--api-bind-address %q is not an IP address", c.apiBind)
	}
	host, _ := os.Hostname()
	c.nodeName = strings.ToLower(strings.Split(host, ".")[0])
	if c.nodeName == "" {
		c.nodeName = "kube-local"
	}
	for _, p := range []int{c.apiPort, c.etcdPort, c.etcdPort + 1, 10250, 10248, 10257, 10259, proxyHealthzPort, proxyMetricsPort} {
		if err := portFree(p); err != nil {
			return err
		}
	}
	// mount propagation for the kubelet's volume mounts
	if err := syscall.Mount("", "/", "", syscall.MS_SHARED|syscall.MS_REC, ""); err != nil {
		return fmt.Errorf("mount --make-rshared /: %w", err)
	}
	for _, d := range []string{"run", "logs", "pki", "etcd", "kubelet", "pod-logs", "cni/net.d", "cni/ipam", "containerd/root", "containerd/state"} {
		if err := os.MkdirAll(c.path(d), 0o755); err != nil {
			return err
		}
	}
	if err := makePKI(c); err != nil {
		return fmt.Errorf("pki: %w", err)
	}
	if err := c.writeConfigs(); err != nil {
		return err
	}
	if err := c.snapshotIptables(); err != nil {
		logf("warning: %v", err)
	}
	if err := c.setupBridge(); err != nil {
		return err
	}
	info := clusterInfo{c.nodeName, c.nodeIP.String(), c.apiPort, c.apiBind, c.etcdPort, c.self, c.egress, time.Now().Format(time.RFC3339)}
	ib, _ := json.MarshalIndent(info, "", "  ")
	if err := os.WriteFile(c.path("cluster.json"), ib, 0o644); err != nil {
		return err
	}
	step("PKI, configs and bridge %s (%s) ready; node %s at %s", bridgeName, podCIDR, c.nodeName, c.nodeIP)

	// containerd and etcd first, in parallel.
	if _, err := c.start("containerd", "/usr/bin/containerd", "--config", c.path("containerd", "config.toml")); err != nil {
		return err
	}
	if _, err := c.start("etcd", c.self, "etcd", "--data-dir", c.path("etcd"),
		"--listen-client-url", fmt.Sprintf("http://127.0.0.1:%d", c.etcdPort),
		"--listen-peer-url", fmt.Sprintf("http://127.0.0.1:%d", c.etcdPort+1)); err != nil {
		return err
	}
	deadline := time.Now().Add(c.timeout)
	var imgErr error
	var imgWG sync.WaitGroup
	if err := c.waitFor("containerd", deadline, func() error { return criReady(c.containerdSock()) }); err != nil {
		return err
	}
	step("containerd ready")
	if c.images != "" {
		imgWG.Add(1)
		go func() {
			defer imgWG.Done()
			t := time.Now()
			n, err := c.importImages(c.images)
			imgErr = err
			if err == nil && n > 0 {
				step("imported %d image(s) from %s in %s", n, c.images, time.Since(t).Round(time.Millisecond))
			}
		}()
	}
	if err := c.waitFor("etcd", deadline, func() error {
		return httpOK(&http.Client{Timeout: time.Second}, fmt.Sprintf("http://127.0.0.1:%d/health", c.etcdPort))
	}); err != nil {
		return err
	}
	step("etcd ready")
	if _, err := c.start("apiserver", c.self, c.apiserverArgs()...); err != nil {
		return err
	}
	hc, err := c.adminHTTP()
	if err != nil {
		return err
	}
	if err := c.waitFor("apiserver", deadline, func() error {
		return httpOK(hc, c.apiURL()+"/readyz")
	}); err != nil {
		return err
	}
	step("apiserver ready")
	for _, comp := range []struct {
		name string
		args []string
	}{
		{"controller-manager", c.controllerManagerArgs()},
		{"scheduler", c.schedulerArgs()},
		{"kubelet", c.kubeletArgs()},
	} {
		if _, err := c.start(comp.name, c.self, append([]string{comp.name}, comp.args...)...); err != nil {
			return err
		}
	}
	cs, err := c.client()
	if err != nil {
		return err
	}
	proxyStarted := false
	if err := c.waitFor("kubelet", deadline, func() error {
		n, err := cs.CoreV1().Nodes().Get(context.TODO(), c.nodeName, metav1.GetOptions{})
		if err != nil {
			return err
		}
		// kube-proxy once the Node exists: it reads the node's IPs at start (and would poll
		// for them, once a second); it syncs while the node becomes Ready.
		if !proxyStarted && len(n.Status.Addresses) > 0 {
			if _, err := c.start("kube-proxy", c.self, append([]string{"kube-proxy"}, c.kubeProxyArgs()...)...); err != nil {
				return err
			}
			proxyStarted = true
			step("node %s registered: kube-proxy started", c.nodeName)
		}
		for _, cond := range n.Status.Conditions {
			if cond.Type == corev1.NodeReady {
				if cond.Status == corev1.ConditionTrue {
					return nil
				}
				return fmt.Errorf("node %s not Ready: %s", c.nodeName, cond.Message)
			}
		}
		return fmt.Errorf("node %s has no Ready condition yet", c.nodeName)
	}); err != nil {
		return err
	}
	step("node %s Ready", c.nodeName)
	if err := c.waitFor("controller-manager", deadline, func() error {
		if _, err := cs.CoreV1().ServiceAccounts("default").Get(context.TODO(), "default", metav1.GetOptions{}); err != nil {
			return err
		}
		_, err := cs.CoreV1().ConfigMaps("default").Get(context.TODO(), "kube-root-ca.crt", metav1.GetOptions{})
		return err
	}); err != nil {
		return err
	}
	step("default ServiceAccount present")
	if err := c.waitFor("kube-proxy", deadline, proxySynced); err != nil {
		return err
	}
	step("kube-proxy synced its rules")
	imgWG.Wait()
	if imgErr != nil {
		return fmt.Errorf("importing images: %w", imgErr)
	}
	for _, name := range componentNames {
		if _, ok := c.pidOf(name); !ok {
			return fmt.Errorf("%s exited; see %s", name, c.logFile(name))
		}
	}
	return nil
}

// waitFor polls check until it succeeds, the component dies, or the deadline passes.
func (c *cluster) waitFor(component string, deadline time.Time, check func() error) error {
	var last error
	for {
		if last = check(); last == nil {
			return nil
		}
		if how, gone := c.exited(component); gone {
			return fmt.Errorf("%s %s: see %s (last check: %v)\n%s", component, how, c.logFile(component), last, tail(c.logFile(component), 15))
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out waiting for %s: %v; see %s", component, last, c.logFile(component))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return "  | " + strings.Join(lines, "\n  | ")
}

func httpOK(hc *http.Client, url string) error {
	resp, err := hc.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	return nil
}

func (c *cluster) adminHTTP() (*http.Client, error) {
	cert, err := tls.LoadX509KeyPair(c.path("pki", "admin.crt"), c.path("pki", "admin.key"))
	if err != nil {
		return nil, err
	}
	caPEM, err := os.ReadFile(c.path("pki", "ca.crt"))
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	return &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: pool},
	}}, nil
}

func (c *cluster) client() (*kubernetes.Clientset, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", c.kubeconfig())
	if err != nil {
		return nil, err
	}
	cfg.Timeout = 5 * time.Second
	return newClientset(cfg)
}

func newClientset(cfg *rest.Config) (*kubernetes.Clientset, error) {
	cfg.QPS, cfg.Burst = 50, 100
	return kubernetes.NewForConfig(cfg)
}

// healthy reports whether every component (but those named in except) is alive and the API answers.
func (c *cluster) healthy(except ...string) bool {
	for _, name := range componentNames {
		if slices.Contains(except, name) {
			continue
		}
		if _, ok := c.pidOf(name); !ok {
			return false
		}
	}
	if c.loadInfo() != nil {
		return false
	}
	hc, err := c.adminHTTP()
	if err != nil {
		return false
	}
	return httpOK(hc, c.apiURL()+"/readyz") == nil
}

// loadInfo reads what up recorded of the running cluster (ports, node).
func (c *cluster) loadInfo() error {
	var info clusterInfo
	b, err := os.ReadFile(c.path("cluster.json"))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, &info); err != nil {
		return fmt.Errorf("%s: %w", c.path("cluster.json"), err)
	}
	c.apiPort, c.nodeName, c.nodeIP = info.APIPort, info.NodeName, net.ParseIP(info.NodeIP)
	if c.apiBind = info.APIBind; c.apiBind == "" {
		c.apiBind = "0.0.0.0"
	}
	return nil
}

func portFree(port int) error {
	l, err := net.Listen("tcp", ":"+strconv.Itoa(port))
	if err != nil {
		who := portOwner(port)
		return fmt.Errorf("port %d is already in use%s; stop that process (or run: kube-local down) and retry", port, who)
	}
	l.Close()
	return nil
}

// portOwner names the process listening on a TCP port, best effort.
func portOwner(port int) string {
	inodes := map[string]bool{}
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, _ := os.ReadFile(f)
		for _, line := range strings.Split(string(b), "\n")[1:] {
			fs := strings.Fields(line)
			if len(fs) < 10 || fs[3] != "0A" {
				continue
			}
			if i := strings.LastIndexByte(fs[1], ':'); i >= 0 {
				if p, err := strconv.ParseInt(fs[1][i+1:], 16, 32); err == nil && int(p) == port {
					inodes["socket:["+fs[9]+"]"] = true
				}
			}
		}
	}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		fds, _ := os.ReadDir("/proc/" + e.Name() + "/fd")
		for _, fd := range fds {
			if l, err := os.Readlink("/proc/" + e.Name() + "/fd/" + fd.Name()); err == nil && inodes[l] {
				cmd, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
				return fmt.Sprintf(" by pid %s (%s)", e.Name(), strings.TrimSpace(strings.ReplaceAll(string(cmd), "\x00", " ")))
			}
		}
	}
	return ""
}

// proxySynced: kube-proxy has written its rules at least once (its metric says when).
func proxySynced() error {
	hc := &http.Client{Timeout: time.Second}
	resp, err := hc.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", proxyMetricsPort))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "kubeproxy_sync_proxy_rules_last_timestamp_seconds{"); ok {
			if fs := strings.Fields(rest); len(fs) == 2 && fs[1] != "0" {
				return nil
			}
		}
	}
	return fmt.Errorf("kube-proxy has not synced its rules yet")
}

// addKubeProxy starts kube-proxy in a running cluster that lacks it: its client certificate
// (from the cluster's CA), configs (the CNI config gains the Service route for new pods),
// the bridge settings, then kube-proxy itself, and waits for its first sync.
func (c *cluster) addKubeProxy() error {
	var info clusterInfo
	b, err := os.ReadFile(c.path("cluster.json"))
	if err == nil {
		err = json.Unmarshal(b, &info)
	}
	if err != nil {
		return err
	}
	c.nodeName, c.apiPort, c.etcdPort, c.egress = info.NodeName, info.APIPort, info.EtcdPort, info.Egress
	if c.nodeIP = net.ParseIP(info.NodeIP); c.nodeIP == nil {
		return fmt.Errorf("cluster.json: bad nodeIP %q", info.NodeIP)
	}
	for _, p := range []int{proxyHealthzPort, proxyMetricsPort} {
		if err := portFree(p); err != nil {
			return err
		}
	}
	if err := c.ensureClient("kube-proxy"); err != nil {
		return err
	}
	if err := c.writeConfigs(); err != nil {
		return err
	}
	if err := c.setupBridge(); err != nil {
		return err
	}
	if _, err := c.start("kube-proxy", c.self, append([]string{"kube-proxy"}, c.kubeProxyArgs()...)...); err != nil {
		return err
	}
	return c.waitFor("kube-proxy", time.Now().Add(c.timeout), proxySynced)
}
