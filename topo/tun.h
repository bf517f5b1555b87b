/* tun.h — one end of a WireGuard tunnel, behind a table of operations
 * (wireguard-tools' ipc.h pattern): the kernel module over generic netlink,
 * wireguard-go over its UAPI socket, or none.
 *
 * The topology layer decides names, keys, ports and allowed IPs; an
 * implementation only creates the interface inside the given namespace and
 * configures its one peer. Addresses, MTU and link state are set by topo.
 * Each implementation's create_end() leaves nothing behind when it fails,
 * and destroy_end() releases everything create_end() made.
 */
#ifndef WGB_TUN_H
#define WGB_TUN_H

#include <netinet/in.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "opts.h"

#define TUN_KEY_LEN 32
#define TUN_MAX_ALLOWED 4

struct tun_allowed_ip {
	struct in_addr addr;
	uint8_t cidr;
};

struct tun_end_cfg {
	const char *netns_path;        /* the gateway's namespace */
	const char *ifname;
	uint16_t listen_port;
	uint8_t private_key[TUN_KEY_LEN];
	uint8_t peer_public_key[TUN_KEY_LEN];
	struct sockaddr_in peer_endpoint;
	struct tun_allowed_ip allowed[TUN_MAX_ALLOWED];
	size_t n_allowed;
	bool persistent;               /* processes outlive their owner (topo up) */
};

/* What create_end() made, enough for destroy_end() and stats. */
struct tun_end {
	char ifname[IFNAMSIZ];
	char netns_path[128];
	pid_t pid;                     /* wireguard-go, else 0 */
};

struct tun_peer_stats {
	uint64_t rx_bytes, tx_bytes;
	uint64_t last_handshake_sec;
};

struct tun_ops {
	const char *name;              /* "kernel", "wireguard-go", "none" */
	enum tun_kind kind;
	/* 0 if usable here; else -ENOTSUP/-ENOENT with the reason in why. */
	int (*probe)(char *why, size_t len);
	int (*create_end)(const struct tun_end_cfg *cfg, struct tun_end *end);
	int (*destroy_end)(struct tun_end *end);
	int (*peer_stats)(const struct tun_end *end, struct tun_peer_stats *out);
	/* "wireguard-go 0.0.20220316" or "kernel 6.1.0-..." */
	int (*version)(char *buf, size_t len);
};

extern const struct tun_ops tun_kernel_ops;
extern const struct tun_ops tun_wggo_ops;
extern const struct tun_ops tun_none_ops;

/* TUN_AUTO: the kernel module if present, else wireguard-go. Prints why a
 * forced choice is impossible; -ENOTSUP/-ENOENT then. */
int tun_select(enum tun_kind want, const struct tun_ops **out);

/* Curve25519 key pair from libsodium. */
int tun_generate_keypair(uint8_t priv[TUN_KEY_LEN], uint8_t pub[TUN_KEY_LEN]);
/* 64 hex characters + NUL, as the UAPI wants keys. */
void tun_key_to_hex(const uint8_t key[TUN_KEY_LEN], char hex[2 * TUN_KEY_LEN + 1]);

#endif
