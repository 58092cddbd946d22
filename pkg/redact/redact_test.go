package redact

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

func TestRedactorMasksSecretsAndKeepsTheChain(t *testing.T) {
	t.Setenv("AWS_SECRET_ACCESS_KEY", "aws-secret-123456")
	r := New("md-token-abcdef", "us") // "us" is too short to be a secret worth masking
	err := r.Error(fmt.Errorf("upload failed with key aws-secret-123456 and md-token-abcdef in us: %w", context.Canceled))
	want := "upload failed with key (secret) and (secret) in us: context canceled"
	if err.Error() != want {
		t.Errorf("got  %q\nwant %q", err, want)
	}
	if !errors.Is(err, context.Canceled) {
		t.Error("the redacted error lost its chain")
	}
	plain := errors.New("nothing secret")
	if r.Error(plain) != plain || r.Error(nil) != nil {
		t.Error("errors without secrets should pass unchanged")
	}
}
