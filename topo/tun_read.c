/* tun_read.c — a WireGuard interface someone else made, read as wg(8)
 * reads it (tun.h): the kernel's device over generic netlink if the kernel
 * knows it, else whatever process serves /var/run/wireguard/<ifname>.sock
 * (wireguard-go, boringtun), found by the inode of that listening socket in
 * /proc/net/unix and /proc/<pid>/fd — the daemon that listens may not be
 * the process that created the socket (wireguard-go forks itself away). */
#include "tun.h"
#include "tun_impl.h"
#include "nlx.h"
#include "util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct tun_reader {
	char ifname[IFNAMSIZ];
	enum tun_kind kind;
	struct nlx *g;                  /* kernel: bound in the interface's namespace */
	int family;
};

int tun_device_add_peer(struct tun_device_info *d, struct tun_peer_info **out)
{
	int r = util_grow(&d->peers, &d->cap_peers, d->n_peers + 1, sizeof(*d->peers));

	if (r)
		return r;
	*out = &d->peers[d->n_peers++];
	memset(*out, 0, sizeof(**out));
	return 0;
}

void tun_device_free(struct tun_device_info *d)
{
	if (!d)
		return;
	free(d->peers);
	free(d);
}

static bool prefix_holds(const struct tun_peer_allowed *a, int family, const uint8_t *addr)
{
	unsigned int bits = a->cidr, i;

	if (a->family != family)
		return false;
	for (i = 0; bits >= 8; i++, bits -= 8)
		if (a->addr[i] != addr[i])
			return false;
	return !bits || ((a->addr[i] ^ addr[i]) & (0xff00u >> bits) & 0xff) == 0;
}

const struct tun_peer_info *tun_device_peer_for(const struct tun_device_info *d, int family,
						const void *addr)
{
	const struct tun_peer_info *best = NULL;
	int best_len = -1;
	size_t i, j;

	for (i = 0; d && i < d->n_peers; i++)
		for (j = 0; j < d->peers[i].n_allowed; j++) {
			const struct tun_peer_allowed *a = &d->peers[i].allowed[j];

			if (a->cidr > best_len && prefix_holds(a, family, addr)) {
				best = &d->peers[i];
				best_len = a->cidr;
			}
		}
	return best;
}

void tun_endpoint_str(const struct sockaddr_storage *ep, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (ep->ss_family == AF_INET) {
		const struct sockaddr_in *s = (const void *)ep;

		inet_ntop(AF_INET, &s->sin_addr, a, sizeof(a));
		snprintf(buf, len, "%s:%u", a, ntohs(s->sin_port));
	} else if (ep->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const void *)ep;

		inet_ntop(AF_INET6, &s->sin6_addr, a, sizeof(a));
		snprintf(buf, len, "[%s]:%u", a, ntohs(s->sin6_port));
	} else {
		snprintf(buf, len, "%s", "");
	}
}

/* The inode of the socket listening at path, from /proc/net/unix. */
static unsigned long socket_inode(const char *path)
{
	char *text = NULL, *line, *save = NULL;
	unsigned long ino = 0;

	if (util_read_file("/proc/net/unix", &text, NULL))
		return 0;
	for (line = strtok_r(text, "\n", &save); line && !ino; line = strtok_r(NULL, "\n", &save)) {
		unsigned long i;
		char p[256];

		/* Num RefCount Protocol Flags Type St Inode Path */
		if (sscanf(line, "%*s %*s %*s %*s %*s %*s %lu %255s", &i, p) == 2 && !strcmp(p, path))
			ino = i;
	}
	free(text);
	return ino;
}

static bool holds_socket(int pid, unsigned long ino)
{
	char dir[64], want[48];
	struct dirent *e;
	bool found = false;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", pid);
	snprintf(want, sizeof(want), "socket:[%lu]", ino);
	d = opendir(dir);
	while (d && !found && (e = readdir(d))) {
		char link[sizeof(dir) + 300], target[64];
		ssize_t n;

		if (util_fmt(link, sizeof(link), "%s/%s", dir, e->d_name))
			continue;
		n = readlink(link, target, sizeof(target) - 1);
		if (n > 0) {
			target[n] = 0;
			found = !strcmp(target, want);
		}
	}
	if (d)
		closedir(d);
	return found;
}

/* The process that holds the UAPI socket of ifname, and its name. */
static void uapi_process(const char *ifname, struct tun_device_info *d)
{
	char path[128], comm[64], *text = NULL;
	unsigned long ino;
	struct dirent *e;
	DIR *dir;

	snprintf(d->impl, sizeof(d->impl), "%s", "userspace");
	if (util_fmt(path, sizeof(path), TUN_UAPI_DIR "/%s.sock", ifname) || !(ino = socket_inode(path)))
		return;
	dir = opendir("/proc");
	while (dir && !d->pid && (e = readdir(dir)))
		if (isdigit((unsigned char)e->d_name[0]) && holds_socket(atoi(e->d_name), ino))
			d->pid = atoi(e->d_name);
	if (dir)
		closedir(dir);
	if (!d->pid || util_fmt(comm, sizeof(comm), "/proc/%d/comm", (int)d->pid) ||
	    util_read_file(comm, &text, NULL))
		return;
	text[strcspn(text, "\n")] = 0;
	if (text[0])
		snprintf(d->impl, sizeof(d->impl), "%s", text);
	free(text);
}

static int read_uapi(const char *ifname, struct tun_device_info *d)
{
	char *reply = NULL;
	int r = tun_uapi_get(ifname, &reply);

	if (r)
		return r == -ENOENT || r == -ECONNREFUSED || r == -ENOTSOCK ? -ENODEV : r;
	r = tun_uapi_parse_device(reply, d);
	explicit_bzero(reply, strlen(reply));   /* it held the private key */
	free(reply);
	return r;
}

int tun_reader_open(const char *netns_path, const char *ifname, struct tun_reader **out)
{
	struct tun_reader *r = calloc(1, sizeof(*r));
	struct tun_device_info d = { 0 };
	int ret;

	if (!r)
		return -ENOMEM;
	if (!ifname || !*ifname || strlen(ifname) >= IFNAMSIZ || strchr(ifname, '/')) {
		free(r);
		return -EINVAL;
	}
	snprintf(r->ifname, sizeof(r->ifname), "%s", ifname);
	ret = nlx_open_in(netns_path, NETLINK_GENERIC, ifname, &r->g);
	if (!ret)
		ret = r->family = tun_genl_family(r->g);
	if (ret >= 0)
		ret = tun_genl_read_device(r->g, r->family, ifname, &d);
	if (ret == 0) {
		r->kind = TUN_KERNEL;
	} else {
		/* Not the kernel's: a UAPI socket of that name, or nothing. */
		nlx_close(r->g);
		r->g = NULL;
		ret = read_uapi(ifname, &d);
		r->kind = TUN_WGGO;
	}
	free(d.peers);
	if (ret) {
		tun_reader_free(r);
		return ret;
	}
	*out = r;
	return 0;
}

int tun_reader_read(struct tun_reader *r, struct tun_device_info *d)
{
	snprintf(d->ifname, sizeof(d->ifname), "%s", r->ifname);
	d->kind = r->kind;
	if (r->kind == TUN_KERNEL)
		return tun_genl_read_device(r->g, r->family, r->ifname, d);
	return read_uapi(r->ifname, d);
}

enum tun_kind tun_reader_kind(const struct tun_reader *r)
{
	return r->kind;
}

void tun_reader_free(struct tun_reader *r)
{
	if (!r)
		return;
	nlx_close(r->g);
	free(r);
}

int tun_device_read(const char *netns_path, const char *ifname, struct tun_device_info **out)
{
	struct tun_device_info *d = calloc(1, sizeof(*d));
	struct tun_reader *r = NULL;
	int ret;

	if (!d)
		return -ENOMEM;
	ret = tun_reader_open(netns_path, ifname, &r);
	if (!ret)
		ret = tun_reader_read(r, d);
	if (!ret && d->kind == TUN_KERNEL)
		snprintf(d->impl, sizeof(d->impl), "%s", "kernel");
	else if (!ret)
		uapi_process(ifname, d);
	tun_reader_free(r);
	if (ret) {
		tun_device_free(d);
		return ret;
	}
	*out = d;
	return 0;
}
