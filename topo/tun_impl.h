/* tun_impl.h — the pure parts of the tunnel implementations, for their unit
 * tests: UAPI text requests and replies (wireguard-go) and the generic
 * netlink messages of the kernel module. Nothing here does I/O.
 */
#ifndef WGB_TUN_IMPL_H
#define WGB_TUN_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "tun.h"

struct nl_msg;
struct nlattr;

/* Where wireguard-go keeps an interface's control socket. */
#define TUN_UAPI_DIR "/var/run/wireguard"

/* "set=1\n...\n\n" configuring the device and its one peer (replacing any
 * other). -ENAMETOOLONG if buf is too small, -EINVAL on a bad cfg. */
int tun_uapi_set_request(const struct tun_end_cfg *cfg, char *buf, size_t len);
/* The errno=N of a reply (0 on success, N > 0 the implementation's error),
 * or -EPROTO when the reply has none. */
int tun_uapi_reply_errno(const char *reply, int *err);
/* Totals over the peers of a "get=1" reply. -EPROTO if malformed or
 * errno != 0, -ENOENT if the device has no peer. */
int tun_uapi_parse_stats(const char *reply, struct tun_peer_stats *out);

/* WG_CMD_SET_DEVICE for cfg, addressed to the given genl family id, laid out
 * as wireguard-tools' ipc-linux.h does (nested peers and allowed IPs, each
 * element typed 0, NLA_F_NESTED on every nest). */
int tun_genl_set_msg(const struct tun_end_cfg *cfg, int family, struct nl_msg **out);
/* WG_CMD_GET_DEVICE (a dump) of the device named ifname. */
int tun_genl_get_msg(const char *ifname, int family, struct nl_msg **out);
/* Add the peers of one GET_DEVICE reply's attributes (indexed by
 * WGDEVICE_A_*, WGDEVICE_A_MAX + 1 entries) to *out; *n_peers counts them. */
int tun_genl_parse_stats(struct nlattr **dev_attrs, struct tun_peer_stats *out, size_t *n_peers);

/* The whole device of a "get=1" reply (peers replace d's; the private key
 * is skipped). -EPROTO if malformed or errno != 0. */
int tun_uapi_parse_device(const char *reply, struct tun_device_info *d);
/* Append the peers of one GET_DEVICE reply message to d, and its listen
 * port and fwmark (a dump may split the peers over several messages). */
int tun_genl_parse_device(struct nlattr **dev_attrs, struct tun_device_info *d);
/* A new peer slot at the end of d (zeroed). */
int tun_device_add_peer(struct tun_device_info *d, struct tun_peer_info **out);

/* I/O shared by the implementations and tun_read.c. */
struct nlx;
/* "get=1" to the UAPI socket of ifname: the reply, malloc'd (wipe and free
 * it: it holds the private key). Silent: -ENOENT/-ECONNREFUSED when no
 * process serves that name. */
int tun_uapi_get(const char *ifname, char **reply);
/* The "wireguard" genl family on g, -ENOTSUP when the kernel has none. */
int tun_genl_family(struct nlx *g);
/* WG_CMD_GET_DEVICE of ifname on g into d (peers replaced). Silent: the
 * kernel's -ENODEV / -EOPNOTSUPP say "not a kernel WireGuard device". */
int tun_genl_read_device(struct nlx *g, int family, const char *ifname, struct tun_device_info *d);

#endif
