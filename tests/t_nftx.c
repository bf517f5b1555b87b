/* t_nftx.c — nftx_egress_drops() on listings shaped as libnftables 1.0.6
 * prints them (`nft -j list ruleset`, Debian 12): counted drop rules at
 * output/postrouting count; at other hooks, in regular chains, without a
 * counter or with another verdict they do not. */
#include "nftx.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#define META "{\"metainfo\":{\"version\":\"1.0.6\",\"json_schema_version\":1}}"
#define TABLE(f, t) "{\"table\":{\"family\":\"" f "\",\"name\":\"" t "\",\"handle\":1}}"
#define CHAIN(f, t, c, hook) "{\"chain\":{\"family\":\"" f "\",\"table\":\"" t "\",\"name\":\"" c \
	"\",\"handle\":1,\"type\":\"filter\",\"hook\":\"" hook "\",\"prio\":0,\"policy\":\"accept\"}}"
#define REGULAR(f, t, c) "{\"chain\":{\"family\":\"" f "\",\"table\":\"" t "\",\"name\":\"" c "\",\"handle\":4}}"
#define RULE(f, t, c, stmts) "{\"rule\":{\"family\":\"" f "\",\"table\":\"" t "\",\"chain\":\"" c \
	"\",\"handle\":2,\"expr\":[{\"match\":{\"op\":\"==\",\"left\":{\"meta\":{\"key\":\"oifname\"}}," \
	"\"right\":\"gw1-u\"}}," stmts "]}}"
#define COUNTER(n) "{\"counter\":{\"packets\":" n ",\"bytes\":" n "000}}"
#define DROP "{\"drop\":null}"
#define ACCEPT "{\"accept\":null}"

static int failed;

static void check(const char *name, const char *text, int want_rc, size_t want_rules, uint64_t want_pk)
{
	struct json_object *rs = NULL;
	uint64_t pk = 0;
	size_t n = 0;
	int rc = nftx_ruleset_parse(text, &rs);

	if (!rc)
		n = nftx_egress_drops(rs, &pk);
	if (rc != want_rc || n != want_rules || pk != want_pk) {
		printf("FAIL %s: rc %d rules %zu packets %llu, want %d %zu %llu\n", name, rc, n,
		       (unsigned long long)pk, want_rc, want_rules, (unsigned long long)want_pk);
		failed++;
	}
	json_object_put(rs);
}

int main(void)
{
	check("the loss knob's rule (knob_nft_rows.c)",
	      "{\"nftables\":[" META "," TABLE("inet", "wgbench_t") "," CHAIN("inet", "wgbench_t", "s0_loss", "postrouting") ","
	      RULE("inet", "wgbench_t", "s0_loss", "{\"match\":{\"op\":\"<\",\"left\":{\"numgen\":{\"mode\":\"random\","
		   "\"mod\":10000,\"offset\":0}},\"right\":100}}," COUNTER("1234") "," DROP) "]}",
	      0, 1, 1234);
	check("two tables, output and postrouting, summed",
	      "{\"nftables\":[" TABLE("inet", "a") "," CHAIN("inet", "a", "o", "output") "," TABLE("ip", "b") ","
	      CHAIN("ip", "b", "p", "postrouting") "," RULE("inet", "a", "o", COUNTER("10") "," DROP) ","
	      RULE("ip", "b", "p", COUNTER("5") "," DROP) "]}",
	      0, 2, 15);
	check("input and forward hooks are not egress",
	      "{\"nftables\":[" TABLE("inet", "a") "," CHAIN("inet", "a", "i", "input") "," CHAIN("inet", "a", "f", "forward") ","
	      RULE("inet", "a", "i", COUNTER("10") "," DROP) "," RULE("inet", "a", "f", COUNTER("10") "," DROP) "]}",
	      0, 0, 0);
	check("a regular chain has no hook",
	      "{\"nftables\":[" TABLE("inet", "a") "," REGULAR("inet", "a", "r") "," RULE("inet", "a", "r", COUNTER("7") "," DROP) "]}",
	      0, 0, 0);
	check("a same-named chain of another family does not lend its hook",
	      "{\"nftables\":[" CHAIN("ip", "a", "p", "postrouting") "," RULE("inet", "a", "p", COUNTER("7") "," DROP) "]}",
	      0, 0, 0);
	check("counted accept, uncounted drop",
	      "{\"nftables\":[" CHAIN("inet", "a", "p", "postrouting") "," RULE("inet", "a", "p", COUNTER("9") "," ACCEPT) ","
	      RULE("inet", "a", "p", DROP) "]}",
	      0, 0, 0);
	check("the mss clamp (mangle, no drop)",
	      "{\"nftables\":[" CHAIN("inet", "a", "p", "postrouting") "," RULE("inet", "a", "p",
	      "{\"mangle\":{\"key\":{\"tcp option\":{\"name\":\"maxseg\",\"field\":\"size\"}},\"value\":{\"rt\":{\"key\":\"mtu\"}}}}") "]}",
	      0, 0, 0);
	check("an empty ruleset", "{\"nftables\":[" META "]}", 0, 0, 0);
	check("not a listing", "{\"tables\":[]}", -EPROTO, 0, 0);
	check("not JSON", "table inet a {", -EPROTO, 0, 0);
	check("odd shapes are skipped, not trusted",
	      "{\"nftables\":[1,\"x\",{\"chain\":7},{\"rule\":{\"expr\":{}}}," CHAIN("inet", "a", "p", "output") ","
	      "{\"rule\":{\"family\":\"inet\",\"table\":\"a\",\"chain\":\"p\",\"expr\":[{\"counter\":{\"packets\":-3}},"
	      DROP "]}},{\"rule\":{\"family\":\"inet\",\"table\":\"a\",\"chain\":\"p\",\"expr\":[{\"counter\":"
	      "{\"packets\":\"9\"}}," DROP "]}}]}",
	      0, 0, 0);
	printf("t_nftx: %s\n", failed ? "FAILED" : "ok");
	return failed ? 1 : 0;
}
