#!/bin/sh
# report.html is one self-contained page that renders offline: no external
# resource is referenced, and headless Chromium draws it to a non-trivial PNG.
# Keeps the screenshot in /tmp/wgb-e2e-report_html.png for a person to look at.
. "$WGB_TOP/tests/e2e/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; e2e_cleanup' EXIT

cp -r "$WGB_TOP/tests/data/results-a" "$tmp/r"
expect_exit 0 "$WGBENCH" report "$tmp/r" --quiet
html="$tmp/r/report.html"
grep -q '<img alt="throughput-tcp-fwd.png" src="data:image/png;base64,' "$html" || fail "plots not embedded"
grep -Eq '(src|href)="(https?:|//|file:)' "$html" && fail "external resource referenced"
grep -q "Welch" "$html" || fail "legend missing"
grep -q "FIXTURE for unit tests" "$html" || fail "run.json metadata missing"
ok "self-contained"

command -v chromium >/dev/null || skip "chromium not installed (ci/install-deps installs it)"
shot="$tmp/shot.png"
profile=$(mktemp -d)
timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync \
	--user-data-dir="$profile" --screenshot="$shot" --window-size=1280,2000 \
	"file://$html" >"$tmp/chromium.log" 2>&1
rm -rf "$profile"
[ -s "$shot" ] || { cat "$tmp/chromium.log"; fail "no screenshot"; }
# a blank page compresses to a few kB; tables and plots do not
size=$(wc -c < "$shot")
[ "$size" -gt 60000 ] || fail "screenshot only $size bytes: blank page?"
python3 - "$shot" <<'PY' || fail "screenshot is nearly one colour"
import sys, zlib, struct
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n"
w, h = struct.unpack(">II", data[16:24])
assert w == 1280 and h == 2000, (w, h)
PY
cp "$shot" /tmp/wgb-e2e-report_html.png
ok "chromium rendered it ($size bytes)"
