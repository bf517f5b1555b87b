/* vm_initramfs.c — the guest's whole root file system, one newc cpio:
 *
 *   /init                  the agent: a wgbench binary (cmd_agent.c)
 *   /lib*, /usr/lib*       the shared objects it needs and the loader
 *   /lib/modules/<rel>/... the modules of vm_kernel_modules(), uncompressed
 *   /wgbench/modules       their load order; /wgbench/args the run options
 *   /wgbench/variants/...  the variant files named on the command line
 *   <datadir>/scenarios    the scenario data (and plots/)
 *   /dev/console           so the kernel can give /init its stdio
 *
 * and nothing else. Libraries come from the loader's own resolution
 * (`ld.so --list BIN`, what ldd prints), which names each library by the
 * soname the binary asks for. Compressed modules (.ko.xz/.zst/.gz) are
 * decompressed here by xz/zstd/gzip (argv, no shell), so the guest needs
 * neither in-kernel decompression nor a library for it. Their appended
 * signatures are dropped unless the kernel enforces them (vm_boot.c says):
 * checking ~40 RSA signatures costs ~0.7 s of TCG time at every boot; an
 * unsigned module only taints the kernel ('E'), it runs the same code.
 */
#include "vm.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define VM_LOADER "/lib64/ld-linux-x86-64.so.2"

int vm_datadir(char *buf, size_t len)
{
	char exe[PATH_MAX], p[PATH_MAX], *slash;
	const char *env = getenv("WGB_DATADIR");
	struct stat st;
	ssize_t n;

	if (env && *env)
		return util_fmt(buf, len, "%s", env);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = 0;
		slash = strrchr(exe, '/');
		*slash = 0;
		/* build/wgbench -> the source tree's scenarios/ */
		if (!util_fmt(p, sizeof(p), "%s/../scenarios", exe) && !stat(p, &st) &&
		    S_ISDIR(st.st_mode))
			return util_fmt(buf, len, "%s/..", exe);
	}
	if (!util_fmt(p, sizeof(p), "%s/scenarios", WGB_DATADIR) && !stat(p, &st))
		return util_fmt(buf, len, "%s", WGB_DATADIR);
	if (!stat("scenarios", &st) && S_ISDIR(st.st_mode))
		return util_fmt(buf, len, ".");
	return -ENOENT;
}

/* Every directory above name, once each, in order. */
static int parents(struct vm_cpio *c, const char *name, char ***seen, size_t *n_seen)
{
	char d[PATH_MAX];
	const char *p = name + 1;
	size_t i;
	int r;

	while ((p = strchr(p, '/'))) {
		snprintf(d, sizeof(d), "%.*s", (int)(p - name - 1), name + 1);
		p++;
		for (i = 0; i < *n_seen; i++)
			if (!strcmp((*seen)[i], d))
				break;
		if (i < *n_seen)
			continue;
		r = vm_cpio_dir(c, d, 0755);
		if (r)
			return r;
		{
			char **g = realloc(*seen, (*n_seen + 1) * sizeof(*g));

			if (!g)
				return -ENOMEM;
			*seen = g;
			g[*n_seen] = strdup(d);
			if (!g[*n_seen])
				return -ENOMEM;
			(*n_seen)++;
		}
	}
	return 0;
}

struct writer {
	struct vm_cpio *c;
	char **seen;
	size_t n_seen;
	char tmp[PATH_MAX];
	bool strip_sigs;
};

/* Adds host file src at absolute guest path dst (creating parents). */
static int put(struct writer *w, const char *dst, const char *src, unsigned int mode)
{
	int r = parents(w->c, dst, &w->seen, &w->n_seen);

	return r ? r : vm_cpio_copy(w->c, dst + 1, src, mode);
}

#define MODULE_SIG_MAGIC "~Module signature appended~\n"

/* A module without its appended signature: 12 bytes of struct
 * module_signature (sig_len big-endian in the last 4) and the magic follow
 * the signature itself. */
static size_t unsigned_len(const unsigned char *b, size_t len)
{
	size_t m = sizeof(MODULE_SIG_MAGIC) - 1, sig;

	if (len < m + 12 || memcmp(b + len - m, MODULE_SIG_MAGIC, m))
		return len;
	sig = (size_t)b[len - m - 4] << 24 | (size_t)b[len - m - 3] << 16 |
	      (size_t)b[len - m - 2] << 8 | b[len - m - 1];
	return sig + m + 12 <= len ? len - m - 12 - sig : len;
}

static int put_module_file(struct writer *w, const char *dst, const char *src)
{
	char *buf = NULL;
	size_t len;
	int r;

	if (!w->strip_sigs)
		return put(w, dst, src, 0644);
	r = parents(w->c, dst, &w->seen, &w->n_seen);
	if (!r)
		r = util_read_file(src, &buf, &len);
	if (!r)
		r = vm_cpio_file(w->c, dst + 1, 0644, buf, unsigned_len((unsigned char *)buf, len));
	free(buf);
	return r;
}

static int put_libs(struct writer *w, const char *bin)
{
	const char *argv[] = { VM_LOADER, "--list", bin, NULL };
	char out[PATH_MAX], *text = NULL, *line, *save = NULL;
	int r;

	if (util_fmt(out, sizeof(out), "%s/libs.txt", w->tmp))
		return -ENAMETOOLONG;
	r = vm_exec(argv, out);
	if (!r)
		r = util_read_file(out, &text, NULL);
	for (line = strtok_r(text, "\n", &save); !r && line; line = strtok_r(NULL, "\n", &save)) {
		char *arrow = strstr(line, "=> "), *path, *sp;

		path = arrow ? arrow + 3 : line + strspn(line, " \t");
		sp = strstr(path, " (");
		if (sp)
			*sp = 0;
		if (path[0] != '/')
			continue;  /* linux-vdso.so.1 */
		r = put(w, path, path, 0755);
	}
	free(text);
	return r;
}

static int put_module(struct writer *w, const struct vm_kernel *k, const char *path,
		      char **list, size_t *list_len)
{
	static const struct { const char *ext, *tool; } z[] = {
		{ ".xz", "xz" }, { ".zst", "zstd" }, { ".gz", "gzip" },
	};
	char dst[PATH_MAX], plain[PATH_MAX];
	const char *src = path;
	size_t i, l = strlen(path);
	int r;

	if (util_fmt(dst, sizeof(dst), "/lib/modules/%s%s", k->release, path + strlen(k->moddir)))
		return -ENAMETOOLONG;
	for (i = 0; i < ARRAY_SIZE(z); i++) {
		size_t el = strlen(z[i].ext);

		if (l > el && !strcmp(path + l - el, z[i].ext)) {
			const char *argv[] = { z[i].tool, "-dc", path, NULL };

			dst[strlen(dst) - el] = 0;
			if (util_fmt(plain, sizeof(plain), "%s/module.ko", w->tmp))
				return -ENAMETOOLONG;
			r = vm_exec(argv, plain);
			if (r)
				return r;
			src = plain;
		}
	}
	r = put_module_file(w, dst, src);
	if (r)
		return r;
	l = *list ? strlen(*list) : 0;
	{
		char *g = realloc(*list, l + strlen(dst) + 2);

		if (!g)
			return -ENOMEM;
		sprintf(g + l, "%s\n", dst);
		*list = g;
	}
	(void)list_len;
	return 0;
}

static int put_modules(struct writer *w, const struct vm_kernel *k)
{
	char **mods = NULL, *list = NULL;
	size_t n = 0, i;
	int r;

	r = vm_kernel_modules(k, &mods, &n);
	for (i = 0; !r && i < n; i++)
		r = put_module(w, k, mods[i], &list, NULL);
	if (!r)
		r = parents(w->c, VM_MODULES_FILE, &w->seen, &w->n_seen);
	if (!r)
		r = vm_cpio_file(w->c, VM_MODULES_FILE + 1, 0644, list ? list : "", list ? strlen(list) : 0);
	vm_strv_free(mods, n);
	free(list);
	return r;
}

static int put_args(struct writer *w, const struct vm_initramfs_spec *s)
{
	size_t i, len = 0;
	char *buf;
	int r;

	for (i = 0; i < s->n_args; i++)
		len += strlen(s->args[i]) + 1;
	buf = malloc(len + 1);
	if (!buf)
		return -ENOMEM;
	len = 0;
	for (i = 0; i < s->n_args; i++) {
		strcpy(buf + len, s->args[i]);
		len += strlen(s->args[i]) + 1;
	}
	r = parents(w->c, VM_ARGS_FILE, &w->seen, &w->n_seen);
	if (!r)
		r = vm_cpio_file(w->c, VM_ARGS_FILE + 1, 0644, buf, len);
	free(buf);
	return r;
}

static int put_data(struct writer *w, const char *datadir)
{
	char src[PATH_MAX], dst[PATH_MAX];
	static const char *const sub[] = { "scenarios", "plots" };
	struct stat st;
	size_t i;
	int r;

	for (i = 0; i < ARRAY_SIZE(sub); i++) {
		if (util_fmt(src, sizeof(src), "%s/%s", datadir, sub[i]) ||
		    util_fmt(dst, sizeof(dst), "%s/%s", WGB_DATADIR, sub[i]))
			return -ENAMETOOLONG;
		if (stat(src, &st))
			continue;
		r = parents(w->c, dst, &w->seen, &w->n_seen);
		if (!r)
			r = vm_cpio_tree(w->c, dst + 1, src);
		if (!r)
			r = vm_cpio_symlink(w->c, sub[i], dst);
		if (r)
			return r;
	}
	return 0;
}

int vm_initramfs_write(const char *path, const struct vm_initramfs_spec *s)
{
	static const char *const dirs[] = { "dev", "proc", "sys", "tmp", "run", "etc", "root", "var" };
	struct writer w = { 0 };
	size_t i;
	int fd, r;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	snprintf(w.tmp, sizeof(w.tmp), "%s", path);
	*strrchr(w.tmp, '/') = 0;
	w.strip_sigs = s->strip_module_sigs;
	r = vm_cpio_open(fd, &w.c);
	for (i = 0; !r && i < ARRAY_SIZE(dirs); i++)
		r = vm_cpio_dir(w.c, dirs[i], 0755);
	if (!r)
		r = vm_cpio_node(w.c, "dev/console", S_IFCHR | 0600, 5, 1);
	if (!r)
		r = vm_cpio_symlink(w.c, "var/run", "/run");
	if (!r)
		r = vm_cpio_copy(w.c, "init", s->agent_bin, 0755);
	if (!r)
		r = put_libs(&w, s->agent_bin);
	if (!r)
		r = put_modules(&w, s->kernel);
	if (!r)
		r = put_args(&w, s);
	for (i = 0; !r && i < s->n_files; i++)
		r = put(&w, s->files[i].guest, s->files[i].host, 0644);
	if (!r && s->datadir)
		r = put_data(&w, s->datadir);
	if (!r)
		r = vm_cpio_close(w.c);
	else
		vm_cpio_close(w.c);
	if (close(fd) && !r)
		r = -EIO;
	vm_strv_free(w.seen, w.n_seen);
	return r;
}
