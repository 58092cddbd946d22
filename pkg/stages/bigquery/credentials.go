package bigquery

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"cloud.google.com/go/auth"
	"cloud.google.com/go/auth/credentials"
	gbq "cloud.google.com/go/bigquery"
	"cloud.google.com/go/compute/metadata"
)

// scopes a read needs: BigQuery's, and cloud-platform for the Storage Read API.
var scopes = []string{gbq.Scope, "https://www.googleapis.com/auth/cloud-platform"}

// gceProbe bounds the check for a metadata server. Left to itself, the library's
// check can wait on DNS and on a blackholed address; off Google Cloud the answer is
// "no" and should come fast.
const gceProbe = 2 * time.Second

const adcEnv = "GOOGLE_APPLICATION_CREDENTIALS"

// errNoCredentials says what to do, in one line.
var errNoCredentials = errors.New("no Google credentials found: set " + adcEnv +
	" to a service-account key file, set credentials: in the spec's source, or run `gcloud auth application-default login`")

// findCredentials returns the credentials a run uses: the key file the spec names,
// else Application Default Credentials, looked up in the library's order (the
// environment variable, gcloud's file, the metadata server on Google Cloud). It
// checks the cheap places itself first, so that with none of them it fails at once
// instead of waiting on a metadata server that is not there.
func findCredentials(ctx context.Context, keyFile string) (*auth.Credentials, error) {
	opts := &credentials.DetectOptions{Scopes: scopes}
	if keyFile != "" {
		if _, err := os.Stat(keyFile); err != nil {
			return nil, fmt.Errorf("credentials: %w", err)
		}
		creds, err := credentials.NewCredentialsFromFile(credentials.ServiceAccount, keyFile, opts)
		if err != nil {
			return nil, fmt.Errorf("credentials %s: %w", keyFile, err)
		}
		return creds, nil
	}
	if env := os.Getenv(adcEnv); env != "" {
		creds, err := credentials.DetectDefault(opts)
		if err != nil {
			return nil, fmt.Errorf("%s=%s: %w", adcEnv, env, err)
		}
		return creds, nil
	}
	if _, err := os.Stat(gcloudFile()); err != nil {
		probe, cancel := context.WithTimeout(ctx, gceProbe)
		onGCE := metadata.OnGCEWithContext(probe) // memoized: DetectDefault reuses the answer
		cancel()
		if !onGCE {
			return nil, errNoCredentials
		}
	}
	creds, err := credentials.DetectDefault(opts)
	if err != nil {
		return nil, fmt.Errorf("application default credentials: %w", err)
	}
	return creds, nil
}

// tokenTimeout bounds the first token exchange: with a token endpoint that does not
// answer, the client would otherwise retry for ever inside every table's read.
const tokenTimeout = DefaultTimeout

// checkToken exchanges the credentials for an access token once, up front, so that
// a bad key or an unreachable token endpoint fails the run at once and clearly.
func checkToken(ctx context.Context, creds *auth.Credentials) error {
	ctx, cancel := context.WithTimeout(ctx, tokenTimeout)
	defer cancel()
	if _, err := creds.Token(ctx); err != nil {
		return fmt.Errorf("cannot get a Google access token with these credentials: %w (check the key file, its account's access and the network)", err)
	}
	return nil
}

// gcloudFile is where `gcloud auth application-default login` writes credentials,
// as the auth library looks for it.
func gcloudFile() string {
	const name = "application_default_credentials.json"
	if runtime.GOOS == "windows" {
		return filepath.Join(os.Getenv("APPDATA"), "gcloud", name)
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".config", "gcloud", name)
}
