/* knob_nft_impl.h — what knob_nft.c (the mechanism: libnftables in a
 * node's namespace, snapshot, apply, read back, revert) and knob_nft_rows.c
 * (the rows: each one's rules, written and read back) share. Private to
 * those two files. */
#ifndef WGB_KNOB_NFT_IMPL_H
#define WGB_KNOB_NFT_IMPL_H

#include "knob.h"

struct json_object;

/* What a row's rules do to an interface, folded over every rule of the
 * namespace that applies to it (nft_seen_*). */
struct nft_seen {
	bool found;                 /* a rule of this row's kind */
	double pass;                /* loss: the share of packets no drop rule takes */
	bool pmtu;                  /* mss: clamped to the route MTU */
	int64_t num;                /* mss: the MSS; port_spread: N */
};

/* An nftables row (knob_ops.data): how its rules are written and how they are read. */
struct nft_row {
	/* The chains and rules of one record ("add ..." lines). */
	int (*rules)(const struct knob_entry *e, const struct knob_target *tg, const char *table,
		     const char *chain, char *cmd, size_t len);
	const char *const *chains;  /* suffixes of the record's chains ("" = its name) */
	/* Is expr (a listed rule's "expr" array) one of this row's? Folds it into s. */
	bool (*read)(struct json_object *expr, struct nft_seen *s);
	/* The folded state in the terms of `requested`. */
	void (*print)(const struct nft_seen *s, char *buf, size_t len);
	/* This entry asks for no rule at all (block_icmp_frag_needed false). */
	bool (*none)(const struct knob_entry *e);
};

extern const struct nft_row knob_nft_loss_row, knob_nft_mss_row, knob_nft_icmp_row, knob_nft_icmp6_row,
	knob_nft_spread_row;

/* libnftables JSON (read with jsonx_get()): a string equal to s. */
bool knob_nft_str_is(struct json_object *o, const char *s);
/* A listed rule's "expr" applies to ifname unless it matches another interface. */
bool knob_nft_applies(struct json_object *expr, const char *ifname);

/* The mechanism, for the rows' knob_ops (knob_nft.c). */
int knob_nft_probe(const struct knob_entry *e, const struct knob_target *tg, char *why, size_t len);
int knob_nft_apply(const struct knob_entry *e, const struct knob_target *tg, struct knob_recs *out);
int knob_nft_read_back(struct knob_rec *r);
int knob_nft_revert(const struct knob_rec *r);

#endif
