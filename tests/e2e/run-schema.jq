# run-schema.jq — checks a results.json against DESIGN.md's runs[] contract
# (used by run_*.sh: jq -e -f run-schema.jq results.json). Prints the first
# problem found as a string, or true.
def num: type == "number";
def num_or_null: type == "number" or type == "null";
def iso: type == "string" and test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?Z$");
def check(cond; msg): if cond then empty else msg end;
def run_problems:
  . as $r | "run \(.variant)/\(.scenario)/r\(.repeat): " as $w |
  check(.variant | type == "string"; $w + "variant"),
  check(.scenario | type == "string"; $w + "scenario"),
  check(.repeat | num and . >= 1; $w + "repeat"),
  check(.ok | type == "boolean"; $w + "ok"),
  check(.error == null or (.error | type == "string"); $w + "error"),
  check((.start | iso) and (.end | iso); $w + "start/end not ISO-8601 UTC"),
  check(.flows | num and . >= 1; $w + "flows"),
  check(.raw | type == "array"; $w + "raw"),
  check(has("cpu") and has("drops"); $w + "cpu/drops missing"),
  check(.window == null or ((.window.start_s | num) and .window.end_s > .window.start_s); $w + "window"),
  (["throughput_bps","sender_bps","retransmits","lost_percent","jitter_ms","packets_per_s"][] as $k |
     check($r | has($k) and (.[$k] | num_or_null); $w + $k)),
  (if .ok then
     check(.error == null; $w + "ok with an error"),
     check(.throughput_bps > 0 and .sender_bps > 0; $w + "zero throughput"),
     check((.raw | length) >= 1; $w + "no raw file"),
     (if (.scenario | startswith("udp")) then
        check((.lost_percent | num) and (.jitter_ms | num) and (.packets_per_s | num) and .retransmits == null; $w + "UDP fields")
      else
        check((.retransmits | num) and .lost_percent == null and .packets_per_s == null; $w + "TCP fields")
      end)
   else
     check(.error | type == "string" and length > 0; $w + "failed without a reason"),
     check(.throughput_bps == null; $w + "failed run carries a number")
   end);
[ check(.schema == "wgbench.results/2"; "schema"),
  check(.runs | type == "array" and length > 0; "runs[]"),
  check(.summary | type == "array"; "summary[]"),
  (.runs[]? | run_problems) ] | if length == 0 then true else .[0] end
