// Command kube-local is a multi-call binary: the upstream Kubernetes
// components (each run as its own child process) plus an embedded etcd and a
// small supervisor (up/down/status/kubeconfig) that runs a one-node cluster on
// this machine with Debian's containerd, runc and CNI plugins.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	_ "time/tzdata"

	"github.com/spf13/cobra"
	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"

	_ "k8s.io/client-go/plugin/pkg/client/auth"
	"k8s.io/component-base/logs"
	kubectlcmd "k8s.io/kubectl/pkg/cmd"
	kubectlutil "k8s.io/kubectl/pkg/cmd/util"
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	proxy "k8s.io/kubernetes/cmd/kube-proxy/app"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"
	kubelet "k8s.io/kubernetes/cmd/kubelet/app"
)

func usage() {
	fmt.Fprintf(os.Stderr, `usage: kube-local COMMAND [flags]

Cluster commands:
  up          start (or reuse) the local one-node cluster and print the kubeconfig path
  down        stop everything and remove processes, mounts, interfaces and state
  status      show each component (pid, alive, log file)
  kubeconfig  print the admin kubeconfig path
  version     print the Kubernetes version this binary was built from
  restart [--kill] [--down 10s] COMPONENT
              stop one component (--kill: a crash), keep it away for --down, start it again
              with its own command line and wait until it serves; pods are left running

Components (run as child processes by 'up'):
  apiserver | controller-manager | scheduler | kubelet | kube-proxy | etcd

Tools:
  kubectl ARGS...   the upstream kubectl
  bench [-n 200]    pod create->Running and exec round-trip latency (cluster must be up)
`)
}

func runCobra(c *cobra.Command, args []string) int {
	c.SetArgs(args)
	return cli.Run(c)
}

func main() {
	name := filepath.Base(os.Args[0])
	args := os.Args[1:]
	// Multi-call by argv[0] (e.g. a symlink named kubectl) or by first argument.
	switch name {
	case "kubectl", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet", "kube-proxy":
	default:
		if len(args) == 0 {
			usage()
			os.Exit(2)
		}
		name, args = args[0], args[1:]
	}
	os.Args = append([]string{"kube-local " + name}, args...)
	switch name {
	case "apiserver", "kube-apiserver":
		os.Exit(runCobra(apiserver.NewAPIServerCommand(), args))
	case "controller-manager", "kube-controller-manager":
		os.Exit(runCobra(controllermanager.NewControllerManagerCommand(), args))
	case "scheduler", "kube-scheduler":
		os.Exit(runCobra(scheduler.NewSchedulerCommand(), args))
	case "kubelet":
		os.Exit(runCobra(kubelet.NewKubeletCommand(context.Background()), args))
	case "kube-proxy", "proxy":
		os.Exit(runCobra(proxy.NewProxyCommand(), args))
	case "kubectl":
		logs.GlogSetter(kubectlcmd.GetLogVerbosity(os.Args)) // nolint:errcheck
		c := kubectlcmd.NewDefaultKubectlCommand()
		c.SetArgs(args)
		if err := cli.RunNoErrOutput(c); err != nil {
			kubectlutil.CheckErr(err)
		}
		os.Exit(0)
	case "etcd":
		os.Exit(runEtcd(args))
	case "bench":
		os.Exit(runBench(args))
	case "up", "down", "status", "kubeconfig", "version", "restart":
		os.Exit(runCluster(name, args))
	case "-h", "--help", "help":
		usage()
		os.Exit(0)
	default:
		fmt.Fprintf(os.Stderr, "kube-local: unknown command %q\n\n", name)
		usage()
		os.Exit(2)
	}
}
