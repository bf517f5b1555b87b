/* nftx.h — nftables through libnftables, read back as its JSON listing.
 *
 * One struct nftx is one libnftables context; its netlink socket is bound to
 * the network namespace the context was opened in (as nlx.h's sockets are),
 * so a caller that reads a namespace's ruleset again and again (the sampler)
 * opens one per namespace, once, and never moves its thread.
 *
 * nftx_egress_drops() is pure: it reads a listing, so the tests and the
 * fuzzer drive it with text.
 */
#ifndef WGB_NFTX_H
#define WGB_NFTX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;
struct nftx;

/* A context in the namespace at netns_path (NULL or "": the calling
 * thread's). 0, -ENOMEM, or -errno when the namespace cannot be entered. */
int nftx_open(const char *netns_path, struct nftx **out);
void nftx_close(struct nftx *x);

/* Runs nft commands (several lines, as `nft -f`); with json, the listing in
 * *out (if out; malloc'd) is libnftables' JSON and JSON input is accepted.
 * err (if errlen) receives the first line of libnftables' error text.
 * 0, -EIO when libnftables refused, -ENOMEM. */
int nftx_run(struct nftx *x, const char *cmd, bool json, char **out, char *err, size_t errlen);

/* `list ruleset`: the "nftables" array of the JSON listing (a reference the
 * caller puts). -EPROTO if the listing is not the documented shape. */
int nftx_ruleset(struct nftx *x, struct json_object **out);
/* The same from listing text (the pure half of nftx_ruleset). */
int nftx_ruleset_parse(const char *text, struct json_object **out);

/* In a ruleset array: the packets counted by rules that end in `drop` in
 * base chains hooked at output or postrouting — what the node's own
 * firewall dropped on its way out, as far as its rules count it (a drop
 * rule without `counter` is invisible). Returns the number of such rules
 * (0: nothing to count), *packets their sum. */
size_t nftx_egress_drops(struct json_object *ruleset, uint64_t *packets);

#endif
