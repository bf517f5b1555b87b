/* vm_modules.c — which kernel modules go into the guest, in load order.
 *
 * Each wanted module is looked up in modules.dep (dependencies follow the
 * colon) and added after its dependencies. A module listed in
 * modules.builtin needs nothing. Required modules that are neither are an
 * error naming the kernel; optional ones (a qdisc the variants may use) are
 * skipped, and the variant that needs them fails validation in the guest.
 */
#include "vm.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	bool required;
} wanted[] = {
	{ "virtio_pci", true }, { "virtio_mmio", false }, { "virtio_console", true }, { "wireguard", true },
	{ "veth", true }, { "tun", false }, { "virtio_net", false },
	{ "sch_netem", false }, { "sch_fq", false }, { "sch_fq_codel", false },
	{ "sch_cake", false }, { "sch_tbf", false }, { "sch_htb", false },
	{ "sch_ingress", false }, { "nf_tables", false }, { "nft_numgen", false },
	{ "nft_nat", false }, { "nft_chain_nat", false }, { "nft_ct", false },
	{ "nft_reject_inet", false }, { "tcp_bbr", false },
};

/* "kernel/net/sched/sch_fq.ko.xz" -> "sch_fq"; '-' and '_' are the same. */
static void mod_name(const char *path, char *buf, size_t len)
{
	const char *b = strrchr(path, '/');
	size_t i;

	b = b ? b + 1 : path;
	snprintf(buf, len, "%s", b);
	buf[strcspn(buf, ".")] = 0;
	for (i = 0; buf[i]; i++)
		if (buf[i] == '-')
			buf[i] = '_';
}

struct dep_line {
	char *path;      /* relative to moddir */
	char *deps;      /* space-separated */
	bool added;
};

struct resolver {
	struct dep_line *lines;
	size_t n;
	char **out;
	size_t n_out, cap;
	const char *moddir;
};

static struct dep_line *find_line(struct resolver *rs, const char *name)
{
	char n[128];
	size_t i;

	for (i = 0; i < rs->n; i++) {
		mod_name(rs->lines[i].path, n, sizeof(n));
		if (!strcmp(n, name))
			return &rs->lines[i];
	}
	return NULL;
}

static int add(struct resolver *rs, struct dep_line *l, unsigned int depth)
{
	char *deps, *tok, *save = NULL, n[128];
	int r = 0;

	if (l->added)
		return 0;
	if (depth > 64)
		return -ELOOP;
	l->added = true;
	deps = strdup(l->deps);
	if (!deps)
		return -ENOMEM;
	for (tok = strtok_r(deps, " \t", &save); tok && !r; tok = strtok_r(NULL, " \t", &save)) {
		struct dep_line *d;

		mod_name(tok, n, sizeof(n));
		d = find_line(rs, n);
		if (d)
			r = add(rs, d, depth + 1);
	}
	free(deps);
	if (r)
		return r;
	if (rs->n_out == rs->cap) {
		char **g = realloc(rs->out, (rs->cap * 2 + 8) * sizeof(*g));

		if (!g)
			return -ENOMEM;
		rs->out = g;
		rs->cap = rs->cap * 2 + 8;
	}
	if (asprintf(&rs->out[rs->n_out], "%s/%s", rs->moddir, l->path) < 0)
		return -ENOMEM;
	rs->n_out++;
	return 0;
}

static int parse_dep(char *text, struct resolver *rs)
{
	char *line, *save = NULL;
	size_t cap = 0;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':');

		if (!colon)
			continue;
		*colon = 0;
		if (rs->n == cap) {
			struct dep_line *g = realloc(rs->lines, (cap * 2 + 256) * sizeof(*g));

			if (!g)
				return -ENOMEM;
			rs->lines = g;
			cap = cap * 2 + 256;
		}
		rs->lines[rs->n++] = (struct dep_line){ line, colon + 1, false };
	}
	return 0;
}

static bool builtin(const char *list, const char *name)
{
	char n[128];
	const char *p = list;

	while (p && *p) {
		const char *e = strchr(p, '\n');
		char path[512];
		size_t l = e ? (size_t)(e - p) : strlen(p);

		snprintf(path, sizeof(path), "%.*s", (int)l, p);
		mod_name(path, n, sizeof(n));
		if (!strcmp(n, name))
			return true;
		p = e ? e + 1 : NULL;
	}
	return false;
}

void vm_strv_free(char **v, size_t n)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int vm_kernel_modules(const struct vm_kernel *k, char ***out, size_t *n)
{
	struct resolver rs = { .moddir = k->moddir };
	char p[PATH_MAX], *dep = NULL, *bi = NULL;
	size_t i;
	int r;

	*out = NULL;
	*n = 0;
	if (!*k->moddir)
		return 0;
	r = util_fmt(p, sizeof(p), "%s/modules.dep", k->moddir);
	if (!r)
		r = util_read_file(p, &dep, NULL);
	if (r)
		goto out;
	if (util_fmt(p, sizeof(p), "%s/modules.builtin", k->moddir) || util_read_file(p, &bi, NULL))
		bi = NULL;
	r = parse_dep(dep, &rs);
	for (i = 0; !r && i < ARRAY_SIZE(wanted); i++) {
		struct dep_line *l = find_line(&rs, wanted[i].name);

		if (l)
			r = add(&rs, l, 0);
		else if (wanted[i].required && !(bi && builtin(bi, wanted[i].name))) {
			wgb_err("kernel %s has no %s (%s: neither in modules.dep nor modules.builtin)",
				k->release, !strcmp(wanted[i].name, "wireguard") ? "WireGuard" : wanted[i].name,
				k->moddir);
			r = -ENOENT;
		}
	}
out:
	if (r)
		vm_strv_free(rs.out, rs.n_out);
	else {
		*out = rs.out;
		*n = rs.n_out;
	}
	free(rs.lines);
	free(dep);
	free(bi);
	return r;
}
