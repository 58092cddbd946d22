package main

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ecomrun/ecomrun/pkg/cli"
)

// browserSpec is the default pipeline's shape at a tiny scale, with rules that
// some rows break (so the page shows violations and samples) and relationship
// rules (so the DAG has edges between tables).
const browserSpec = `version: 1
name: daily
source: {kind: thelook, scale: 0.001, seed: 42}
warehouse: {path: "${OUT}/ecom.duckdb"}
tables:
  - name: distribution_centers
  - name: products
    on_invalid: drop
    enable: [distribution_center_id_references]
    rules:
      - {check: range, column: retail_price, max: 200}
  - name: users
  - name: orders
    enable: [user_id_references]
    rules:
      - {check: range, column: num_of_item, min: 1, max: 3}
      - {name: recent, check: expression, sql: "created_at >= TIMESTAMP '2021-01-01'", severity: warn}
  - name: order_items
    enable: [order_id_references, product_id_references]
  - name: inventory_items
  - name: events
    enable: [user_id_references]
sinks:
  - {name: files, kind: csv, path: "${OUT}/csv"}
  - {name: lake, kind: parquet, path: "${OUT}/parquet", tables: [users, orders, order_items]}
`

// TestReportInBrowser applies a small pipeline with --report-html and renders the
// page in headless Chromium: the DOM Chromium built must hold a DAG node per
// stage and a timeline bar per stage that ran, and its screenshot must show the
// colours of both. With -update the screenshot is kept as docs/report.png.
// Chromium comes from Debian (make chromium installs it, see findChromium).
func TestReportInBrowser(t *testing.T) {
	chromium := findChromium(t)
	docs, err := filepath.Abs("../../docs/report.png")
	if err != nil {
		t.Fatal(err)
	}
	// Relative paths, as a user would type them, so the page (and the kept screenshot) name no temporary folder.
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("OUT", "out")
	if err := os.WriteFile("daily.yaml", []byte(browserSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(dir, "report.html")
	var stdout, stderr bytes.Buffer
	if code := cli.Execute(context.Background(), []string{"apply", "daily.yaml", "--quiet", "--report-html", "report.html"}, &stdout, &stderr); code != 0 {
		t.Fatalf("apply exited %d\n%s%s", code, stdout.String(), stderr.String())
	}
	const stages = 7*3 + 7 + 3 // extract, validate, load per table; files sinks all, lake three

	dom := runChromium(t, chromium, dir, "--dump-dom", "file://"+page)
	count := func(pattern string) int { return len(regexp.MustCompile(pattern).FindAllString(dom, -1)) }
	if n := count(`<g class="dag-node ok"`); n != stages {
		t.Errorf("DOM has %d DAG nodes that ran ok, want %d", n, stages)
	}
	if n := count(`<rect class="timeline-bar `); n != stages {
		t.Errorf("DOM has %d timeline bars, want %d", n, stages)
	}
	// Relationship rules: products <- distribution_centers, orders <- users,
	// order_items <- orders and products, events <- users.
	if n := count(`class="dag-edge cross"`); n != 5 {
		t.Errorf("DOM has %d edges between tables, want 5", n)
	}
	for _, want := range []string{`id="run-status">ok<`, "range_num_of_item", "Sample rows that broke a rule", "orders.quarantine.parquet"} {
		if !strings.Contains(dom, want) {
			t.Errorf("DOM lacks %q", want)
		}
	}

	shot := filepath.Join(dir, "report.png")
	runChromium(t, chromium, dir, "--hide-scrollbars", "--window-size=1400,1800", "--screenshot="+shot, "file://"+page)
	img := readPNG(t, shot)
	if b := img.Bounds(); b.Dx() != 1400 || b.Dy() != 1800 {
		t.Fatalf("screenshot is %v, want 1400x1800", b)
	}
	// Colours the stylesheet gives DAG nodes that ran ok and the four kinds of
	// timeline bar: each must cover a visible area of the first screenful.
	for name, c := range map[string]color.RGBA{
		"ok DAG node":           {0xe8, 0xf5, 0xe9, 0xff},
		"extract timeline bar":  {0x1e, 0x88, 0xe5, 0xff},
		"validate timeline bar": {0x8e, 0x24, 0xaa, 0xff},
		"load timeline bar":     {0x43, 0xa0, 0x47, 0xff},
		"sink timeline bar":     {0xf5, 0x7c, 0x00, 0xff},
	} {
		if n := pixels(img, c); n < 500 {
			t.Errorf("screenshot shows %d pixels of the %s colour, want at least 500", n, name)
		}
	}
	if *update {
		b, err := os.ReadFile(shot)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(docs, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// findChromium returns the Chromium to draw the report with: ECOMRUN_CHROMIUM,
// else Debian's. Nothing is installed from inside the test: `make test` runs
// scripts/chromium.sh first, which installs it (as root, through apt) when it is
// missing. Without one the test fails rather than skips, since the report is
// only known to render when a browser has drawn it.
func findChromium(t *testing.T) string {
	t.Helper()
	candidates := []string{os.Getenv("ECOMRUN_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"}
	for _, c := range candidates {
		if c == "" {
			continue
		}
		if fi, err := os.Stat(c); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return c
		}
	}
	if c, err := exec.LookPath("chromium"); err == nil {
		return c
	}
	t.Fatalf("Chromium is needed to check the HTML report and was not found (ECOMRUN_CHROMIUM=%q, /usr/bin/chromium, "+
		"chromium on PATH).\nInstall it with `make chromium` (scripts/chromium.sh: apt-get, as root), "+
		"or set ECOMRUN_CHROMIUM to a Chromium binary.", os.Getenv("ECOMRUN_CHROMIUM"))
	return ""
}

// runChromium runs headless Chromium on its own profile, with nothing that
// reaches the network, and returns what it printed on stdout.
func runChromium(t *testing.T, chromium, dir string, args ...string) string {
	t.Helper()
	// A bound so a wedged browser fails the test instead of hanging it; not a timing assertion.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--no-first-run", "--user-data-dir=" + filepath.Join(dir, "chromium-profile")}
	cmd := exec.CommandContext(ctx, chromium, append(base, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, stderr.String())
	}
	return stdout.String()
}

func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

// pixels counts the pixels of an exact colour.
func pixels(img image.Image, c color.RGBA) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if uint8(r>>8) == c.R && uint8(g>>8) == c.G && uint8(bl>>8) == c.B {
				n++
			}
		}
	}
	return n
}
