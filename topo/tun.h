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
#include <sys/socket.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define TUN_KEY_LEN 32

/* Which implementation carries a tunnel; TUN_AUTO: kernel if it has it. */
enum tun_kind { TUN_AUTO, TUN_KERNEL, TUN_WGGO, TUN_NONE };

/* "auto", "kernel", "wireguard-go", "none". */
const char *tun_kind_name(enum tun_kind k);
#define TUN_MAX_ALLOWED 4

struct tun_allowed_ip {
	int family;                    /* 0 or AF_INET: addr; AF_INET6: addr6 */
	union {
		struct in_addr addr;
		struct in6_addr addr6;
	};
	uint8_t cidr;
};

struct tun_end_cfg {
	const char *netns_path;        /* the gateway's namespace */
	const char *ifname;
	uint16_t listen_port;
	uint8_t private_key[TUN_KEY_LEN];
	uint8_t peer_public_key[TUN_KEY_LEN];
	union {                        /* peer_endpoint.sin_family says which */
		struct sockaddr_in peer_endpoint;
		struct sockaddr_in6 peer_endpoint6;
	};
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

/* ---- a WireGuard interface as its implementation reports it ----
 * For interfaces wgbench did not make (--backend live) and for the sampler,
 * which reads every peer's counters: the kernel over generic netlink
 * (WG_CMD_GET_DEVICE), any UAPI implementation (wireguard-go, boringtun)
 * over /var/run/wireguard/<ifname>.sock ("get=1"). Private keys are never
 * copied out of a reply (the UAPI text is wiped once parsed). */
#define TUN_PEER_ALLOWED_MAX 16

struct tun_peer_allowed {
	int family;                    /* AF_INET, AF_INET6 */
	uint8_t addr[16];
	uint8_t cidr;
};

struct tun_peer_info {
	uint8_t public_key[TUN_KEY_LEN];
	struct sockaddr_storage endpoint;  /* ss_family 0: none yet */
	uint64_t rx_bytes, tx_bytes;
	int64_t last_handshake_sec;    /* unix time; 0: never */
	unsigned int keepalive_s;      /* persistent keepalive; 0: off */
	struct tun_peer_allowed allowed[TUN_PEER_ALLOWED_MAX];
	size_t n_allowed;              /* kept (at most TUN_PEER_ALLOWED_MAX) */
	size_t n_allowed_total;        /* the peer has */
};

struct tun_device_info {
	char ifname[IFNAMSIZ];
	enum tun_kind kind;            /* TUN_KERNEL, or TUN_WGGO for any UAPI implementation */
	char impl[32];                 /* "kernel", else the UAPI process's name ("wireguard-go") */
	pid_t pid;                     /* that process (0: kernel, or not found) */
	unsigned int listen_port;
	uint32_t fwmark;
	struct tun_peer_info *peers;
	size_t n_peers, cap_peers;
};

/* What is at ifname in the namespace at netns_path (NULL: the caller's):
 * 0 and *out, -ENODEV when it is no WireGuard interface of either kind
 * (silent: the caller names the interface). */
int tun_device_read(const char *netns_path, const char *ifname, struct tun_device_info **out);
void tun_device_free(struct tun_device_info *d);
/* A reader opened once (the kind found, its genl socket bound in the
 * namespace) and read many times without forking: the sampler's. read
 * replaces d's peers (reusing its memory); -errno when it cannot read. */
struct tun_reader;
int tun_reader_open(const char *netns_path, const char *ifname, struct tun_reader **out);
int tun_reader_read(struct tun_reader *r, struct tun_device_info *d);
enum tun_kind tun_reader_kind(const struct tun_reader *r);
void tun_reader_free(struct tun_reader *r);
/* The peer whose allowed IPs hold addr (the longest prefix), or NULL. */
const struct tun_peer_info *tun_device_peer_for(const struct tun_device_info *d, int family,
						const void *addr);
/* "a.b.c.d:port" or "[v6]:port", "" for none. */
void tun_endpoint_str(const struct sockaddr_storage *ep, char *buf, size_t len);
/* The first line `prog --version` prints (no shell, 5 s at most). */
int tun_prog_version(const char *prog, char *buf, size_t len);

/* Curve25519 key pair from libsodium. */
int tun_generate_keypair(uint8_t priv[TUN_KEY_LEN], uint8_t pub[TUN_KEY_LEN]);
/* Parse 64 hex characters into a key; -EINVAL if malformed. */
int tun_key_from_hex(const char *hex, uint8_t key[TUN_KEY_LEN]);
/* 64 hex characters + NUL, as the UAPI wants keys. */
void tun_key_to_hex(const uint8_t key[TUN_KEY_LEN], char hex[2 * TUN_KEY_LEN + 1]);
/* Base64 as wg(8) shows keys: 44 characters + NUL. */
void tun_key_to_base64(const uint8_t key[TUN_KEY_LEN], char b64[45]);

#endif
