package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

type certAuthority struct {
	cert *x509.Certificate
	key  crypto.Signer
}

func writePEM(path, typ string, der []byte, mode os.FileMode) error {
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), mode)
}

func writeKey(path string, key crypto.Signer) error {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	return writePEM(path, "PRIVATE KEY", der, 0o600)
}

func newSerial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 126))
	return n
}

func newCA(dir string) (*certAuthority, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          newSerial(),
		Subject:               pkix.Name{CommonName: "kube-local-ca"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, err
	}
	cert, _ := x509.ParseCertificate(der)
	if err := writePEM(filepath.Join(dir, "ca.crt"), "CERTIFICATE", der, 0o644); err != nil {
		return nil, err
	}
	if err := writeKey(filepath.Join(dir, "ca.key"), key); err != nil {
		return nil, err
	}
	return &certAuthority{cert: cert, key: key}, nil
}

// issue writes <dir>/<name>.crt and <name>.key signed by the CA.
func (ca *certAuthority) issue(dir, name, cn string, orgs []string, server bool, dns []string, ips []net.IP) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: newSerial(),
		Subject:      pkix.Name{CommonName: cn, Organization: orgs},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(5, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		DNSNames:     dns,
		IPAddresses:  ips,
	}
	if server {
		tmpl.ExtKeyUsage = append(tmpl.ExtKeyUsage, x509.ExtKeyUsageServerAuth)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, key.Public(), ca.key)
	if err != nil {
		return err
	}
	if err := writePEM(filepath.Join(dir, name+".crt"), "CERTIFICATE", der, 0o644); err != nil {
		return err
	}
	return writeKey(filepath.Join(dir, name+".key"), key)
}

// makePKI creates every certificate and key the cluster needs.
func makePKI(c *cluster) error {
	dir := c.path("pki")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	ca, err := newCA(dir)
	if err != nil {
		return err
	}
	loop := net.ParseIP("127.0.0.1")
	svcIP := net.ParseIP(serviceAPIIP)
	apiDNS := []string{"localhost", c.nodeName, "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"}
	if err := ca.issue(dir, "apiserver", "kube-apiserver", nil, true, apiDNS, []net.IP{c.nodeIP, loop, svcIP, net.ParseIP(podGateway)}); err != nil {
		return err
	}
	if err := ca.issue(dir, "apiserver-kubelet-client", "kube-apiserver-kubelet-client", []string{"system:masters"}, false, nil, nil); err != nil {
		return err
	}
	if err := ca.issue(dir, "kubelet-serving", "system:node:"+c.nodeName, []string{"system:nodes"}, true, []string{c.nodeName, "localhost"}, []net.IP{c.nodeIP, loop}); err != nil {
		return err
	}
	for _, cl := range c.clientCerts() {
		if err := c.issueClient(ca, cl); err != nil {
			return err
		}
	}
	// Service-account signing key.
	sa, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	if err := writeKey(filepath.Join(dir, "sa.key"), sa); err != nil {
		return err
	}
	pub, _ := x509.MarshalPKIXPublicKey(&sa.PublicKey)
	return writePEM(filepath.Join(dir, "sa.pub"), "PUBLIC KEY", pub, 0o644)
}

type clientCert struct{ name, cn, org string }

// clientCerts: each component's API client identity (<name>.crt/.key, <name>.kubeconfig).
// kube-proxy's user system:kube-proxy is bound to the system:node-proxier ClusterRole by default.
func (c *cluster) clientCerts() []clientCert {
	return []clientCert{
		{"admin", "kube-local-admin", "system:masters"},
		{"controller-manager", "system:kube-controller-manager", ""},
		{"scheduler", "system:kube-scheduler", ""},
		{"kubelet", "system:node:" + c.nodeName, "system:nodes"},
		{"kube-proxy", "system:kube-proxy", ""},
	}
}

func (c *cluster) issueClient(ca *certAuthority, cl clientCert) error {
	dir := c.path("pki")
	var orgs []string
	if cl.org != "" {
		orgs = []string{cl.org}
	}
	if err := ca.issue(dir, cl.name, cl.cn, orgs, false, nil, nil); err != nil {
		return err
	}
	return writeKubeconfig(c, c.path(cl.name+".kubeconfig"), c.apiURL(), filepath.Join(dir, cl.name))
}

// ensureClient issues the client certificate and kubeconfig of one component with the
// cluster's existing CA unless it has them (a cluster started by an older binary).
func (c *cluster) ensureClient(name string) error {
	if _, err := os.Stat(c.path(name + ".kubeconfig")); err == nil {
		return nil
	}
	ca, err := loadCA(c.path("pki"))
	if err != nil {
		return err
	}
	for _, cl := range c.clientCerts() {
		if cl.name == name {
			return c.issueClient(ca, cl)
		}
	}
	return fmt.Errorf("no client certificate named %s", name)
}

func loadCA(dir string) (*certAuthority, error) {
	read := func(f string) ([]byte, error) {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			return nil, err
		}
		blk, _ := pem.Decode(b)
		if blk == nil {
			return nil, fmt.Errorf("%s: no PEM block", f)
		}
		return blk.Bytes, nil
	}
	der, err := read("ca.crt")
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	kder, err := read("ca.key")
	if err != nil {
		return nil, err
	}
	k, err := x509.ParsePKCS8PrivateKey(kder)
	if err != nil {
		return nil, err
	}
	key, ok := k.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("ca.key: not a signing key")
	}
	return &certAuthority{cert: cert, key: key}, nil
}

func writeKubeconfig(c *cluster, path, server, certBase string) error {
	b64 := func(p string) (string, error) {
		d, err := os.ReadFile(p)
		return base64.StdEncoding.EncodeToString(d), err
	}
	ca, err := b64(c.path("pki", "ca.crt"))
	if err != nil {
		return err
	}
	crt, err := b64(certBase + ".crt")
	if err != nil {
		return err
	}
	key, err := b64(certBase + ".key")
	if err != nil {
		return err
	}
	kc := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: kube-local
  cluster:
    server: %s
    certificate-authority-data: %s
users:
- name: kube-local
  user:
    client-certificate-data: %s
    client-key-data: %s
contexts:
- name: kube-local
  context:
    cluster: kube-local
    user: kube-local
    namespace: default
current-context: kube-local
`, server, ca, crt, key)
	return os.WriteFile(path, []byte(kc), 0o600)
}
