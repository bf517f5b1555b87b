/* nftx.c — see nftx.h. */
#include "nftx.h"
#include "netns.h"
#include "jsonx.h"
#include "util.h"

#include <errno.h>
#include <json-c/json.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct nftx {
	struct nft_ctx *ctx;
};

static int open_here(void *arg)
{
	struct nftx *x = arg;

	x->ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!x->ctx)
		return -ENOMEM;
	nft_ctx_buffer_output(x->ctx);
	nft_ctx_buffer_error(x->ctx);
	return 0;
}

int nftx_open(const char *netns_path, struct nftx **out)
{
	struct nftx *x = calloc(1, sizeof(*x));
	int r;

	*out = NULL;
	if (!x)
		return -ENOMEM;
	r = netns_path && netns_path[0] ? netns_call(netns_path, open_here, x) : open_here(x);
	if (r) {
		nftx_close(x);
		return r;
	}
	*out = x;
	return 0;
}

void nftx_close(struct nftx *x)
{
	if (!x)
		return;
	if (x->ctx)
		nft_ctx_free(x->ctx);
	free(x);
}

int nftx_run(struct nftx *x, const char *cmd, bool json, char **out, char *err, size_t errlen)
{
	unsigned int flags = nft_ctx_output_get_flags(x->ctx);
	const char *text, *e, *nl;
	int r;

	if (out)
		*out = NULL;
	nft_ctx_output_set_flags(x->ctx, json ? flags | NFT_CTX_OUTPUT_JSON : flags & ~NFT_CTX_OUTPUT_JSON);
	r = nft_run_cmd_from_buffer(x->ctx, cmd) ? -EIO : 0;
	/* Getting a buffer also empties it for the next command. */
	text = nft_ctx_get_output_buffer(x->ctx);
	e = nft_ctx_get_error_buffer(x->ctx);
	if (out && !(*out = strdup(text ? text : "")))
		r = r ? r : -ENOMEM;
	if (err && errlen) {
		e = e ? e : "";
		nl = strchr(e, '\n');
		snprintf(err, errlen, "%.*s", nl ? (int)(nl - e) : (int)strlen(e), e);
	}
	return r;
}

int nftx_ruleset_parse(const char *text, struct json_object **out)
{
	struct json_object *doc = json_tokener_parse(text), *arr;

	*out = NULL;
	if (!json_object_object_get_ex(doc, "nftables", &arr) || !json_object_is_type(arr, json_type_array)) {
		json_object_put(doc);
		return -EPROTO;
	}
	*out = json_object_get(arr);
	json_object_put(doc);
	return 0;
}

int nftx_ruleset(struct nftx *x, struct json_object **out)
{
	char *text = NULL, err[192] = "";
	int r = nftx_run(x, "list ruleset", true, &text, err, sizeof(err));

	*out = NULL;
	if (r)
		wgb_debug("nft list ruleset: %s", err);
	else
		r = nftx_ruleset_parse(text, out);
	free(text);
	return r;
}

/* Is this rule's chain a base chain at output/postrouting? Chains come
 * before their rules in a listing, so the ones seen so far suffice. */
static bool egress_chain(struct json_object *chains, struct json_object *rule)
{
	size_t i, n = json_object_array_length(chains);

	for (i = 0; i < n; i++) {
		struct json_object *c = json_object_array_get_idx(chains, i);
		const char *hook = jsonx_str_at(c, "hook");

		if (json_object_equal(jsonx_get(c, "family"), jsonx_get(rule, "family")) &&
		    json_object_equal(jsonx_get(c, "table"), jsonx_get(rule, "table")) &&
		    json_object_equal(jsonx_get(c, "name"), jsonx_get(rule, "chain")) &&
		    hook && (!strcmp(hook, "output") || !strcmp(hook, "postrouting")))
			return true;
	}
	return false;
}

/* The packets of a rule's counter when its last statement is drop; -1 when
 * it is not a counted drop. */
static int64_t counted_drop(struct json_object *rule)
{
	struct json_object *expr = jsonx_get(rule, "expr"), *last;
	size_t i, n;
	int64_t pk = -1;

	if (!json_object_is_type(expr, json_type_array) || !(n = json_object_array_length(expr)))
		return -1;
	last = json_object_array_get_idx(expr, n - 1);
	if (!json_object_is_type(last, json_type_object) || !json_object_object_get_ex(last, "drop", NULL))
		return -1;
	for (i = 0; i + 1 < n; i++) {
		struct json_object *c = jsonx_get(json_object_array_get_idx(expr, i), "counter"), *p;

		if (json_object_object_get_ex(c, "packets", &p) && json_object_is_type(p, json_type_int) &&
		    json_object_get_int64(p) >= 0)
			pk = json_object_get_int64(p);
	}
	return pk;
}

size_t nftx_egress_drops(struct json_object *ruleset, uint64_t *packets)
{
	struct json_object *chains = json_object_new_array();
	size_t i, n = json_object_is_type(ruleset, json_type_array) ? json_object_array_length(ruleset) : 0, rules = 0;

	*packets = 0;
	for (i = 0; chains && i < n; i++) {
		struct json_object *o = json_object_array_get_idx(ruleset, i), *c, *r;
		int64_t pk;

		if (json_object_object_get_ex(o, "chain", &c) && json_object_is_type(c, json_type_object))
			json_object_array_add(chains, json_object_get(c));
		else if (json_object_object_get_ex(o, "rule", &r) && egress_chain(chains, r) &&
			 (pk = counted_drop(r)) >= 0) {
			*packets += (uint64_t)pk;
			rules++;
		}
	}
	json_object_put(chains);
	return rules;
}
