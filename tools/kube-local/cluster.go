package main

import (
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"google.golang.org/grpc/grpclog"
	"k8s.io/component-base/version"
)

const (
	podCIDR      = "198.18.0.0/24"
	podGateway   = "198.18.0.1"
	serviceCIDR  = "198.18.1.0/24"
	serviceAPIIP = "198.18.1.1"
	bridgeName   = "kubelocal0"
	cniNetName   = "kube-local"
	pauseImage   = "kact.local/pause:3.10"
	defaultState = "/var/lib/kube-local"
	defaultImgs  = "/var/cache/kact/images/current"
)

type cluster struct {
	stateDir string
	nodeName string
	nodeIP   net.IP
	apiPort  int
	// apiBind: the address the API server listens on (resolved at up: the node IP unless asked).
	apiBind   string
	etcdPort  int
	self      string
	images    string
	timeout   time.Duration
	egress    bool
	purge     bool
	keepGoing bool
	// exits of the components this invocation started: closed once the process has ended.
	exits sync.Map // name -> *childExit
}

// apiHost is the address clients dial: the bind address, or loopback when it is every interface.
func (c *cluster) apiHost() string {
	if ip := net.ParseIP(c.apiBind); ip != nil && ip.IsUnspecified() {
		return "127.0.0.1"
	}
	if c.apiBind == "" && c.nodeIP != nil {
		return c.nodeIP.String()
	}
	return c.apiBind
}

// apiURL is the API server's URL for clients (kubeconfigs, readiness checks).
func (c *cluster) apiURL() string {
	return "https://" + net.JoinHostPort(c.apiHost(), strconv.Itoa(c.apiPort))
}

func (c *cluster) path(parts ...string) string {
	return filepath.Join(append([]string{c.stateDir}, parts...)...)
}

func (c *cluster) containerdSock() string { return c.path("containerd", "containerd.sock") }
func (c *cluster) kubeconfig() string     { return c.path("admin.kubeconfig") }

func logf(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "kube-local: "+format+"\n", a...)
}

func runCluster(cmd string, args []string) int {
	if cmd == "version" {
		fmt.Println(version.Get().GitVersion)
		return 0
	}
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	c := &cluster{}
	stateDef := os.Getenv("KUBE_LOCAL_STATE_DIR")
	if stateDef == "" {
		stateDef = defaultState
	}
	imgDef := os.Getenv("KUBE_LOCAL_IMAGES")
	if imgDef == "" {
		imgDef = defaultImgs
	}
	fs.StringVar(&c.stateDir, "state-dir", stateDef, "state directory (env KUBE_LOCAL_STATE_DIR)")
	nodeIP := ""
	if cmd == "up" {
		fs.StringVar(&c.images, "images", imgDef, "directory of OCI image archives (*.tar) to import (env KUBE_LOCAL_IMAGES); '' for none")
		fs.IntVar(&c.apiPort, "api-port", 6443, "API server port")
		fs.IntVar(&c.etcdPort, "etcd-port", 2379, "etcd client port (peer port is +1)")
		fs.StringVar(&nodeIP, "node-ip", "", "node IP (default: eth0's IPv4 address)")
		fs.StringVar(&c.apiBind, "api-bind-address", "", "address the API server listens on (default: the node IP only; 0.0.0.0 for every interface)")
		fs.DurationVar(&c.timeout, "timeout", 3*time.Minute, "how long to wait for the cluster to become ready")
		fs.BoolVar(&c.egress, "pod-egress", false, "let pods reach beyond this machine (NAT through the host); off by default")
	}
	kill, away := false, time.Duration(0)
	if cmd == "restart" {
		fs.BoolVar(&kill, "kill", false, "SIGKILL the component (a crash) instead of stopping it gracefully")
		fs.DurationVar(&away, "down", 0, "how long the component stays stopped before it starts again")
		fs.DurationVar(&c.timeout, "timeout", time.Minute, "how long to wait for the component to serve again")
	}
	if cmd == "down" {
		fs.BoolVar(&c.purge, "purge", false, "also remove the image store (imported images)")
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	abs, err := filepath.Abs(c.stateDir)
	if err != nil {
		logf("%v", err)
		return 2
	}
	c.stateDir = abs
	grpclog.SetLoggerV2(grpclog.NewLoggerV2(io.Discard, io.Discard, io.Discard))
	c.self, _ = os.Executable()
	if p, err := filepath.EvalSymlinks(c.self); err == nil {
		c.self = p
	}
	if cmd == "up" || cmd == "down" || cmd == "restart" {
		unlock, err := c.lock()
		if err != nil {
			logf("%v", err)
			return 1
		}
		defer unlock()
	}
	switch cmd {
	case "restart":
		if fs.NArg() != 1 || !slices.Contains(componentNames, fs.Arg(0)) {
			logf("usage: kube-local restart [--kill] [--down 10s] <%s>", strings.Join(componentNames, "|"))
			return 2
		}
		if err := c.restart(fs.Arg(0), kill, away); err != nil {
			logf("restart %s: %v", fs.Arg(0), err)
			return 1
		}
		return 0
	case "kubeconfig":
		if _, err := os.Stat(c.kubeconfig()); err != nil {
			logf("no cluster at %s (run: kube-local up)", c.stateDir)
			return 1
		}
		fmt.Println(c.kubeconfig())
		return 0
	case "status":
		return c.status()
	case "down":
		if err := c.down(); err != nil {
			logf("down: %v", err)
			return 1
		}
		return 0
	case "up":
		if os.Geteuid() != 0 {
			logf("up must run as root (it starts containerd and the kubelet)")
			return 1
		}
		if nodeIP != "" {
			c.nodeIP = net.ParseIP(nodeIP)
		}
		start := time.Now()
		if err := c.up(); err != nil {
			logf("up failed after %s: %v", time.Since(start).Round(time.Millisecond), err)
			logf("component logs: %s; status: kube-local status; clean up: kube-local down", c.path("logs"))
			return 1
		}
		logf("cluster ready in %s", time.Since(start).Round(time.Millisecond))
		fmt.Println(c.kubeconfig())
		return 0
	}
	return 2
}

// lock serialises up and down on one state dir (concurrent callers wait; a
// second up then finds the healthy cluster and reuses it).
func (c *cluster) lock() (func(), error) {
	sum := sha256.Sum256([]byte(c.stateDir))
	dir := "/run/lock"
	if err := os.MkdirAll(dir, 0o755); err != nil {
		dir = os.TempDir()
	}
	path := filepath.Join(dir, "kube-local-"+hex.EncodeToString(sum[:6])+".lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		logf("waiting for another kube-local up/down on %s (lock %s)", c.stateDir, path)
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
			f.Close()
			return nil, err
		}
	}
	return func() { f.Close() }, nil
}

func detectNodeIP() (net.IP, error) {
	if ifc, err := net.InterfaceByName("eth0"); err == nil {
		if ip := firstIPv4(ifc); ip != nil {
			return ip, nil
		}
	}
	ifcs, err := net.Interfaces()
	if err != nil {
		return nil, err
	}
	for _, ifc := range ifcs {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagLoopback != 0 || ifc.Name == bridgeName ||
			strings.HasPrefix(ifc.Name, "veth") || strings.HasPrefix(ifc.Name, "docker") || strings.HasPrefix(ifc.Name, "cni") {
			continue
		}
		if ip := firstIPv4(&ifc); ip != nil {
			return ip, nil
		}
	}
	return nil, fmt.Errorf("no non-loopback IPv4 address found; pass --node-ip")
}

func firstIPv4(ifc *net.Interface) net.IP {
	addrs, _ := ifc.Addrs()
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok && ipn.IP.To4() != nil && !ipn.IP.IsLoopback() {
			return ipn.IP.To4()
		}
	}
	return nil
}
