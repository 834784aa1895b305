package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// down stops everything and removes processes, pods, mounts, the bridge, the
// iptables chains added since up, and the state (the image store is kept
// unless --purge). It is safe to run twice and after a crash.
func (c *cluster) down() error {
	t0 := time.Now()
	_, statErr := os.Stat(c.stateDir)
	procs := c.ourProcesses()
	if os.IsNotExist(statErr) && len(procs) == 0 && !linkExists(bridgeName) {
		logf("nothing to do: no cluster at %s", c.stateDir)
		return nil
	}
	last := time.Now()
	lap := func(what string) { // report slow phases
		if d := time.Since(last); d > 700*time.Millisecond {
			logf("down: %s took %s", what, d.Round(time.Millisecond))
		}
		last = time.Now()
	}
	// 1. kubelet first so it does not restart pods, then the control plane.
	c.stop("kubelet", 5*time.Second)
	var wg sync.WaitGroup
	for _, name := range []string{"kube-proxy", "scheduler", "controller-manager", "apiserver"} {
		wg.Add(1)
		go func(name string) { defer wg.Done(); c.stop(name, 5*time.Second) }(name)
	}
	wg.Wait()
	c.stop("etcd", 5*time.Second)
	lap("stopping kubelet and control plane")
	// 2. remove every pod sandbox through CRI (tears down pod networking and
	//    mounts properly); start containerd for that if it died.
	if _, err := os.Stat(c.path("containerd", "config.toml")); err == nil {
		if _, ok := c.pidOf("containerd"); !ok {
			if _, err := c.start("containerd", "/usr/bin/containerd", "--config", c.path("containerd", "config.toml")); err == nil {
				deadline := time.Now().Add(15 * time.Second)
				for time.Now().Before(deadline) && criReady(c.containerdSock()) != nil {
					time.Sleep(100 * time.Millisecond)
				}
			}
		}
		if err := removeAllPods(c.containerdSock()); err != nil {
			logf("warning: removing pods through CRI: %v", err)
		}
		lap("removing pods")
	}
	c.stop("containerd", 5*time.Second)
	lap("stopping containerd")
	// 3. anything left: shims, container processes, strays.
	for _, pid := range c.ourProcesses() {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	killCgroupTree("kubepods")
	for _, pid := range c.ourProcesses() {
		stopPid(pid, time.Second)
	}
	lap("killing leftovers")
	// 4. mounts under the state dir (deepest first), CNI network namespaces.
	if err := unmountUnder(c.stateDir); err != nil {
		logf("warning: %v", err)
	}
	// 5. network: bridge, iptables chains we added, CNI result cache.
	if linkExists(bridgeName) {
		if out, err := exec.Command("ip", "link", "del", bridgeName).CombinedOutput(); err != nil {
			logf("warning: ip link del %s: %v: %s", bridgeName, err, out)
		}
	}
	// kube-proxy's KUBE-* chains and the jumps to them go with every other chain created since up.
	c.restoreIptables()
	c.restoreSysctls()
	lap("network cleanup")
	cache, _ := filepath.Glob("/var/lib/cni/results/" + cniNetName + "-*")
	for _, f := range cache {
		os.Remove(f)
	}
	os.Remove("/var/lib/cni/results") // only if empty
	os.Remove("/var/lib/cni")
	// 6. state.
	if err := c.removeState(); err != nil {
		return err
	}
	if left := c.ourProcesses(); len(left) > 0 {
		return fmt.Errorf("processes still running: %v", left)
	}
	logf("down: cluster at %s removed in %s", c.stateDir, time.Since(t0).Round(time.Millisecond))
	return nil
}

func (c *cluster) removeState() error {
	if !c.purge {
		// keep the image store so the next up does not re-import images
		ents, err := os.ReadDir(c.stateDir)
		if os.IsNotExist(err) {
			return nil
		}
		for _, e := range ents {
			if e.Name() == "containerd" {
				sub, _ := os.ReadDir(c.path("containerd"))
				for _, s := range sub {
					if s.Name() != "root" {
						if err := os.RemoveAll(c.path("containerd", s.Name())); err != nil {
							return err
						}
					}
				}
				continue
			}
			if err := os.RemoveAll(c.path(e.Name())); err != nil {
				return err
			}
		}
		return nil
	}
	return os.RemoveAll(c.stateDir)
}

func linkExists(name string) bool {
	_, err := os.Stat("/sys/class/net/" + name)
	return err == nil
}

func removeAllPods(sock string) error {
	if criReady(sock) != nil {
		return fmt.Errorf("containerd CRI not answering on %s", sock)
	}
	conn, err := grpc.NewClient("unix://"+sock, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	rt := runtimeapi.NewRuntimeServiceClient(conn)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	sbs, err := rt.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{})
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for _, sb := range sbs.Items {
		wg.Add(1)
		go func(id string) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			if _, err := rt.StopPodSandbox(ctx, &runtimeapi.StopPodSandboxRequest{PodSandboxId: id}); err != nil {
				logf("warning: stop sandbox %s: %v", id, err)
			}
			if _, err := rt.RemovePodSandbox(ctx, &runtimeapi.RemovePodSandboxRequest{PodSandboxId: id}); err != nil {
				logf("warning: remove sandbox %s: %v", id, err)
			}
		}(sb.Id)
	}
	wg.Wait()
	cs, err := rt.ListContainers(ctx, &runtimeapi.ListContainersRequest{})
	if err == nil {
		for _, ct := range cs.Containers {
			_, _ = rt.RemoveContainer(ctx, &runtimeapi.RemoveContainerRequest{ContainerId: ct.Id})
		}
	}
	return nil
}

// killCgroupTree kills every process in /sys/fs/cgroup/*/<name> (cgroup v1)
// and /sys/fs/cgroup/<name> (v2), then removes the cgroups bottom-up.
func killCgroupTree(name string) {
	roots, _ := filepath.Glob("/sys/fs/cgroup/*/" + name)
	if st, err := os.Stat("/sys/fs/cgroup/" + name); err == nil && st.IsDir() {
		roots = append(roots, "/sys/fs/cgroup/"+name)
	}
	for attempt := 0; attempt < 20; attempt++ {
		any := false
		for _, root := range roots {
			var dirs []string
			filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
				if err == nil && d.IsDir() {
					dirs = append(dirs, p)
				}
				return nil
			})
			sort.Slice(dirs, func(i, j int) bool { return len(dirs[i]) > len(dirs[j]) })
			for _, d := range dirs {
				b, _ := os.ReadFile(filepath.Join(d, "cgroup.procs"))
				for _, f := range strings.Fields(string(b)) {
					if pid, err := strconv.Atoi(f); err == nil {
						_ = syscall.Kill(pid, syscall.SIGKILL)
						any = true
					}
				}
				if err := syscall.Rmdir(d); err != nil && !os.IsNotExist(err) {
					any = true
				}
			}
		}
		if !any {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// unmountUnder lazily unmounts every mount point at or below dir, deepest first.
func unmountUnder(dir string) error {
	var errs []string
	for pass := 0; pass < 5; pass++ {
		f, err := os.Open("/proc/self/mountinfo")
		if err != nil {
			return err
		}
		var mps []string
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			fs := strings.Fields(sc.Text())
			if len(fs) < 5 {
				continue
			}
			mp := unescapeMount(fs[4])
			if mp == dir || strings.HasPrefix(mp, dir+"/") {
				mps = append(mps, mp)
			}
		}
		f.Close()
		if len(mps) == 0 {
			return nil
		}
		sort.Slice(mps, func(i, j int) bool { return len(mps[i]) > len(mps[j]) })
		errs = nil
		for _, mp := range mps {
			if err := syscall.Unmount(mp, syscall.MNT_DETACH); err != nil && err != syscall.EINVAL && err != syscall.ENOENT {
				errs = append(errs, mp+": "+err.Error())
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("unmount: %s", strings.Join(errs, "; "))
	}
	return nil
}

func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// --- iptables: remember the chains present before up, remove new ones at down.

var iptTools = []string{"iptables", "ip6tables"}

func iptSave(tool string) (string, error) {
	out, err := exec.Command(tool + "-save").Output()
	return string(out), err
}

// chains parses iptables-save output into table -> set of chain names.
func chains(save string) map[string]map[string]bool {
	res := map[string]map[string]bool{}
	table := ""
	for _, line := range strings.Split(save, "\n") {
		switch {
		case strings.HasPrefix(line, "*"):
			table = line[1:]
			res[table] = map[string]bool{}
		case strings.HasPrefix(line, ":") && table != "":
			res[table][strings.Fields(line[1:])[0]] = true
		}
	}
	return res
}

func (c *cluster) snapshotIptables() error {
	if _, err := os.Stat(c.path("iptables-before")); err == nil {
		return nil // keep the snapshot of the first up
	}
	var all strings.Builder
	for _, tool := range iptTools {
		if _, err := exec.LookPath(tool + "-save"); err != nil {
			continue
		}
		s, err := iptSave(tool)
		if err != nil {
			return fmt.Errorf("%s-save: %v", tool, err)
		}
		fmt.Fprintf(&all, "#tool %s\n%s", tool, s)
	}
	return os.WriteFile(c.path("iptables-before"), []byte(all.String()), 0o644)
}

func (c *cluster) restoreIptables() {
	before, err := os.ReadFile(c.path("iptables-before"))
	if err != nil {
		return
	}
	parts := map[string]string{}
	for _, sec := range strings.Split(string(before), "#tool ")[1:] {
		nl := strings.IndexByte(sec, '\n')
		parts[sec[:nl]] = sec[nl+1:]
	}
	for _, tool := range iptTools {
		prev, ok := parts[tool]
		if !ok {
			continue
		}
		now, err := iptSave(tool)
		if err != nil {
			continue
		}
		old := chains(prev)
		cur := chains(now)
		table := ""
		// delete rules jumping to chains that did not exist before
		for _, line := range strings.Split(now, "\n") {
			if strings.HasPrefix(line, "*") {
				table = line[1:]
				continue
			}
			if !strings.HasPrefix(line, "-A ") {
				continue
			}
			fs := strings.Fields(line)
			chain := fs[1]
			target := ""
			for i := range fs {
				if (fs[i] == "-j" || fs[i] == "-g") && i+1 < len(fs) {
					target = fs[i+1]
				}
			}
			if old[table][chain] && cur[table][target] && !old[table][target] {
				args := append([]string{"-t", table, "-D"}, splitRule(line[3:])...)
				_ = exec.Command(tool, args...).Run()
			}
		}
		for t, set := range cur {
			var added []string
			for ch := range set {
				if !old[t][ch] {
					added = append(added, ch)
				}
			}
			for _, ch := range added {
				_ = exec.Command(tool, "-t", t, "-F", ch).Run()
			}
			for _, ch := range added {
				_ = exec.Command(tool, "-t", t, "-X", ch).Run()
			}
		}
	}
}

// splitRule splits an iptables-save rule honouring double quotes.
func splitRule(s string) []string {
	var out []string
	var cur strings.Builder
	inQ := false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == '"':
			inQ = !inQ
		case ch == ' ' && !inQ:
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteByte(ch)
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

func (c *cluster) status() int {
	if _, err := os.Stat(c.path("cluster.json")); err != nil {
		fmt.Printf("no cluster at %s\n", c.stateDir)
		return 1
	}
	fmt.Printf("%-20s %-8s %-6s %s\n", "COMPONENT", "PID", "ALIVE", "LOG")
	allUp := true
	for _, name := range componentNames {
		pid, ok := c.pidOf(name)
		pidS := "-"
		if pid > 0 {
			pidS = strconv.Itoa(pid)
		}
		allUp = allUp && ok
		fmt.Printf("%-20s %-8s %-6v %s\n", name, pidS, ok, c.logFile(name))
	}
	healthy := allUp && c.healthy()
	// the API alone: a component down (say, kube-proxy) does not make the apiserver unready
	apiReady := healthy || c.healthy(componentNames...)
	fmt.Printf("apiserver ready: %v\nkubeconfig: %s\n", apiReady, c.kubeconfig())
	if !healthy {
		return 1
	}
	return 0
}
