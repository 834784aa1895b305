package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// restart stops one component of a running cluster and starts it again with the command line it
// ran with: a fault to inject (an API server crash, a kubelet that stops for a while) that leaves
// every pod and the rest of the cluster as they are. kill makes it a crash (SIGKILL, no graceful
// shutdown); down is how long the component stays away before it starts again.
func (c *cluster) restart(name string, kill bool, down time.Duration) error {
	if c.loadInfo() != nil {
		return fmt.Errorf("no cluster at %s (run: kube-local up)", c.stateDir)
	}
	pid, alive := c.pidOf(name)
	args, err := c.commandLine(name, pid, alive)
	if err != nil {
		return err
	}
	t0 := time.Now()
	if !alive {
		logf("%s was not running", name)
	} else if kill {
		_ = syscall.Kill(pid, syscall.SIGKILL)
		for i := 0; i < 100 && processAlive(pid); i++ {
			time.Sleep(20 * time.Millisecond)
		}
	} else {
		stopPid(pid, 10*time.Second)
	}
	if alive {
		logf("%s (pid %d) stopped in %s", name, pid, time.Since(t0).Round(time.Millisecond))
	}
	time.Sleep(down)
	t1 := time.Now()
	if _, err := c.start(name, args[0], args[1:]...); err != nil {
		return err
	}
	deadline := time.Now().Add(c.timeout)
	if err := c.waitFor(name, deadline, func() error { return c.componentReady(name) }); err != nil {
		return err
	}
	logf("%s back in %s (away %s)", name, time.Since(t1).Round(time.Millisecond), time.Since(t0).Round(time.Millisecond))
	return nil
}

// componentReady is how a restarted component shows it is serving again.
func (c *cluster) componentReady(name string) error {
	switch name {
	case "apiserver":
		hc, err := c.adminHTTP()
		if err != nil {
			return err
		}
		return httpOK(hc, c.apiURL()+"/readyz")
	case "kubelet":
		cs, err := c.client()
		if err != nil {
			return err
		}
		if err := httpOK(&http.Client{Timeout: time.Second}, "http://127.0.0.1:10248/healthz"); err != nil {
			return err // its sync loop is not running yet
		}
		n, err := cs.CoreV1().Nodes().Get(context.TODO(), c.nodeName, metav1.GetOptions{})
		if err != nil {
			return err
		}
		for _, cond := range n.Status.Conditions {
			if cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue {
				return nil
			}
		}
		return fmt.Errorf("node %s not Ready yet", c.nodeName)
	case "kube-proxy":
		return proxySynced()
	default:
		if _, ok := c.pidOf(name); !ok {
			return fmt.Errorf("%s is not running", name)
		}
		return nil
	}
}

// commandLine is how the component was started: from the live process, or (it died) from the
// last start its log recorded.
func (c *cluster) commandLine(name string, pid int, alive bool) ([]string, error) {
	var args []string
	if alive {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if err != nil {
			return nil, fmt.Errorf("reading %s's command line: %w", name, err)
		}
		for _, a := range bytes.Split(bytes.TrimRight(b, "\x00"), []byte{0}) {
			args = append(args, string(a))
		}
	} else {
		log, err := os.ReadFile(c.logFile(name))
		if err != nil {
			return nil, fmt.Errorf("%s is not running and has no log to restart it from: %w", name, err)
		}
		marker := []byte(" kube-local starting " + name + ": ")
		i := bytes.LastIndex(log, marker)
		if i < 0 {
			return nil, fmt.Errorf("%s is not running and %s records no start", name, c.logFile(name))
		}
		line, _, _ := bytes.Cut(log[i+len(marker):], []byte("\n"))
		args = strings.Fields(string(line))
	}
	if len(args) == 0 {
		return nil, fmt.Errorf("%s: empty command line", name)
	}
	if args[0] != "/usr/bin/containerd" {
		args[0] = c.self // the binary it ran from may have been rebuilt (and its old copy removed) since
	}
	return args, nil
}
