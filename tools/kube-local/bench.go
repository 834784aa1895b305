package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/tools/remotecommand"
)

// runBench measures pod create -> Running and exec round-trips through the
// API server (WebSocket exec, like @kubernetes/client-node), with the images
// already present.
func runBench(args []string) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	kubeconfig := fs.String("kubeconfig", defaultState+"/admin.kubeconfig", "kubeconfig")
	image := fs.String("image", "kact.local/runner:trixie", "image of the benchmark pod")
	n := fs.Int("n", 200, "exec calls")
	pods := fs.Int("pods", 5, "pods to create (start-time samples)")
	spdy := fs.Bool("spdy", false, "exec over SPDY instead of WebSocket")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if env := os.Getenv("KUBECONFIG"); env != "" && !flagSet(fs, "kubeconfig") {
		*kubeconfig = env
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		logf("%v", err)
		return 1
	}
	cs, err := newClientset(cfg)
	if err != nil {
		logf("%v", err)
		return 1
	}
	ctx := context.Background()
	ns := "default"
	var starts []time.Duration
	var last string
	for i := 0; i < *pods; i++ {
		name := fmt.Sprintf("kube-local-bench-%d-%d", time.Now().UnixNano()%100000, i)
		grace := int64(0)
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: corev1.PodSpec{
				TerminationGracePeriodSeconds: &grace,
				Containers: []corev1.Container{{Name: "c", Image: *image, ImagePullPolicy: corev1.PullNever,
					Command: []string{"sleep", "infinity"}}},
			},
		}
		t := time.Now()
		if _, err := cs.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
			logf("create: %v", err)
			return 1
		}
		for {
			p, err := cs.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
			if err == nil && p.Status.Phase == corev1.PodRunning {
				break
			}
			if time.Since(t) > time.Minute {
				logf("pod %s not running after 1m", name)
				return 1
			}
			time.Sleep(20 * time.Millisecond)
		}
		starts = append(starts, time.Since(t))
		if last != "" {
			_ = cs.CoreV1().Pods(ns).Delete(ctx, last, metav1.DeleteOptions{})
		}
		last = name
	}
	defer cs.CoreV1().Pods(ns).Delete(ctx, last, metav1.DeleteOptions{})
	fmt.Printf("pod create -> Running (%d pods): %s\n", len(starts), quantiles(starts))

	var lat []time.Duration
	for i := 0; i < *n; i++ {
		req := cs.CoreV1().RESTClient().Post().Resource("pods").Namespace(ns).Name(last).SubResource("exec").
			VersionedParams(&corev1.PodExecOptions{Container: "c", Command: []string{"sh", "-c", "echo out; echo err >&2; exit 3"},
				Stdout: true, Stderr: true}, scheme.ParameterCodec)
		t := time.Now()
		var ex remotecommand.Executor
		if *spdy {
			ex, err = remotecommand.NewSPDYExecutor(cfg, "POST", req.URL())
		} else {
			ex, err = remotecommand.NewWebSocketExecutor(cfg, "GET", req.URL().String())
		}
		if err != nil {
			logf("exec: %v", err)
			return 1
		}
		var out, errb bytes.Buffer
		err = ex.StreamWithContext(ctx, remotecommand.StreamOptions{Stdout: &out, Stderr: &errb})
		lat = append(lat, time.Since(t))
		if out.String() != "out\n" || errb.String() != "err\n" || err == nil {
			logf("exec %d: stdout=%q stderr=%q err=%v (want exit 3)", i, out.String(), errb.String(), err)
			return 1
		}
	}
	fmt.Printf("exec round-trip (%d calls, stdout+stderr+exit code): %s\n", *n, quantiles(lat))
	return 0
}

func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

func quantiles(d []time.Duration) string {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	q := func(p float64) time.Duration { return s[int(p*float64(len(s)-1)+0.5)].Round(100 * time.Microsecond) }
	return fmt.Sprintf("p50 %s  p95 %s  min %s  max %s", q(0.5), q(0.95), s[0].Round(100*time.Microsecond), s[len(s)-1].Round(100*time.Microsecond))
}
