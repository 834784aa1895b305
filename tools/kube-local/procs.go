package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// components in start order; down stops them in reverse.
var componentNames = []string{"containerd", "etcd", "apiserver", "controller-manager", "scheduler", "kubelet", "kube-proxy"}

func (c *cluster) pidFile(name string) string { return c.path("run", name+".pid") }
func (c *cluster) logFile(name string) string { return c.path("logs", name+".log") }
func (c *cluster) marker() string             { return "KUBE_LOCAL_STATE=" + c.stateDir }

// start launches a detached child (own session, logs to a file) and records its pid.
func (c *cluster) start(name, bin string, args ...string) (int, error) {
	for _, d := range []string{"run", "logs"} {
		if err := os.MkdirAll(c.path(d), 0o755); err != nil {
			return 0, err
		}
	}
	lf, err := os.OpenFile(c.logFile(name), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return 0, err
	}
	defer lf.Close()
	fmt.Fprintf(lf, "\n==== %s kube-local starting %s: %s %s\n", time.Now().Format(time.RFC3339), name, bin, strings.Join(args, " "))
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = lf, lf
	cmd.Env = append(os.Environ(), c.marker(), "KUBE_LOCAL_COMPONENT="+name)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("start %s: %w", name, err)
	}
	pid := cmd.Process.Pid
	exit := &childExit{done: make(chan struct{}), started: time.Now()}
	c.exits.Store(name, exit)
	go func() { // reap while we are alive; afterwards init adopts it
		exit.err = cmd.Wait()
		exit.after = time.Since(exit.started)
		close(exit.done)
	}()
	if err := os.WriteFile(c.pidFile(name), []byte(strconv.Itoa(pid)+"\n"), 0o644); err != nil {
		return pid, err
	}
	return pid, nil
}

// childExit is how a component this invocation started ended.
type childExit struct {
	done    chan struct{}
	started time.Time
	err     error
	after   time.Duration
}

// exited says whether a component is known to have ended, and how. A component this invocation
// started is judged by its own process handle: right after Start returns, the child may still be
// inside execve (paging in a binary never run before, as on the first start after a cold setup),
// when /proc/<pid>/environ does not show our marker yet and pidOf would call it gone.
func (c *cluster) exited(name string) (string, bool) {
	if v, ok := c.exits.Load(name); ok {
		exit := v.(*childExit)
		select {
		case <-exit.done:
			status := "exited"
			if exit.err != nil {
				status = exit.err.Error()
			}
			return fmt.Sprintf("%s after %s", status, exit.after.Round(time.Millisecond)), true
		default:
			return "", false
		}
	}
	if _, ok := c.pidOf(name); !ok {
		return "is not running", true
	}
	return "", false
}

// pidOf returns the recorded pid of a component and whether that process is
// alive and really ours (its environment carries our state-dir marker).
func (c *cluster) pidOf(name string) (int, bool) {
	b, err := os.ReadFile(c.pidFile(name))
	if err != nil {
		return 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0, false
	}
	return pid, c.isOurs(pid)
}

func (c *cluster) isOurs(pid int) bool {
	if !processAlive(pid) {
		return false
	}
	env, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
	if err != nil {
		return false
	}
	for _, kv := range bytes.Split(env, []byte{0}) {
		if string(kv) == c.marker() {
			return true
		}
	}
	return false
}

func processAlive(pid int) bool {
	st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// state is the field after the ")" that closes the command name
	i := bytes.LastIndexByte(st, ')')
	if i < 0 || i+2 >= len(st) {
		return false
	}
	s := st[i+2]
	return s != 'Z' && s != 'X'
}

// stop sends SIGTERM, waits up to grace, then SIGKILLs.
func stopPid(pid int, grace time.Duration) {
	if pid <= 0 || !processAlive(pid) {
		return
	}
	_ = syscall.Kill(pid, syscall.SIGTERM)
	deadline := time.Now().Add(grace)
	for time.Now().Before(deadline) {
		if !processAlive(pid) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = syscall.Kill(pid, syscall.SIGKILL)
	for i := 0; i < 40 && processAlive(pid); i++ {
		time.Sleep(50 * time.Millisecond)
	}
}

func (c *cluster) stop(name string, grace time.Duration) {
	if pid, ok := c.pidOf(name); ok {
		stopPid(pid, grace)
	}
	os.Remove(c.pidFile(name))
}

// ourProcesses lists every live process carrying our marker or talking to our
// containerd socket (containerd-shims), except ourselves.
func (c *cluster) ourProcesses() []int {
	var out []int
	ents, _ := os.ReadDir("/proc")
	me := os.Getpid()
	sock := c.containerdSock()
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == me || !processAlive(pid) {
			continue
		}
		cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if bytes.Contains(cmdline, []byte("containerd-shim")) && bytes.Contains(cmdline, []byte(sock)) {
			out = append(out, pid)
			continue
		}
		if c.isOurs(pid) {
			out = append(out, pid)
		}
	}
	return out
}
