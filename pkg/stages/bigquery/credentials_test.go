package bigquery

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A well-formed key whose token endpoint refuses connections fails Open at once,
// with an error that names the cause and none of the key's material.
func TestOpenFailsFastWhenNoTokenCanBeHad(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close() // nothing listens here now
	file, _ := json.Marshal(map[string]string{
		"type": "service_account", "project_id": "p", "private_key_id": "kid-RECOGNISABLE",
		"private_key": pemKey, "client_email": "e@p.iam.gserviceaccount.com", "token_uri": "http://" + closed + "/token",
	})
	path := filepath.Join(t.TempDir(), "key.json")
	if err := os.WriteFile(path, file, 0o600); err != nil {
		t.Fatal(err)
	}
	src, err := New(&Config{Project: "p", Dataset: "p.d", Credentials: path})
	if err != nil {
		t.Fatal(err)
	}
	err = src.Open(context.Background())
	if err == nil {
		t.Fatal("Open succeeded without a token")
	}
	msg := err.Error()
	if !strings.Contains(msg, "cannot get a Google access token") || !strings.Contains(msg, closed) {
		t.Errorf("error %q does not say that no token could be had from %s", msg, closed)
	}
	body := strings.Split(strings.TrimSpace(pemKey), "\n")[1]
	if strings.Contains(msg, "RECOGNISABLE") || strings.Contains(msg, body[:20]) {
		t.Errorf("the error shows key material: %s", msg)
	}
}
