/* vm_kernel.c — the kernel under test: a bzImage and its modules tree.
 *
 * --kernel-deb FILE: unpacked once with `dpkg-deb -x` (argv, no shell) into
 * <cache>/kernels/<sha256 of the .deb>, where <cache> is $XDG_CACHE_HOME/wgbench
 * or /var/cache/wgbench; `depmod -b` then writes the modules.dep that Debian's
 * package does not ship, before the directory is renamed into place.
 * --kernel PATH [--modules DIR]: used as given.
 * The release comes from the bzImage header, which also tells a kernel from
 * any other file.
 */
#include "vm.h"
#include "node.h"
#include "opts.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int vm_exec(const char *const argv[], const char *out_path)
{
	struct node_spawn_opts o = { .stdout_path = out_path ? out_path : "/dev/null", .stdout_only = true };

	return node_run(NULL, argv, &o);
}

/* The boot protocol header: "HdrS" at 0x202, the version string's offset
 * (minus 0x200) at 0x20e. */
static int image_release(const char *path, char *rel, size_t len)
{
	unsigned char hdr[0x210];
	char ver[256];
	unsigned int off;
	ssize_t n;
	int fd, ret = -EINVAL;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		wgb_err("--kernel %s: %s", path, strerror(errno));
		return -ENOENT;
	}
	n = pread(fd, hdr, sizeof(hdr), 0);
	if (n != (ssize_t)sizeof(hdr) || memcmp(hdr + 0x202, "HdrS", 4))
		goto out;
	off = (unsigned int)(hdr[0x20e] | hdr[0x20f] << 8) + 0x200;
	n = pread(fd, ver, sizeof(ver) - 1, off);
	if (n <= 0)
		goto out;
	ver[n] = 0;
	ver[strcspn(ver, " ")] = 0;
	if (!*ver || strlen(ver) >= len)
		goto out;
	strcpy(rel, ver);
	ret = 0;
out:
	if (ret)
		wgb_err("%s: not a Linux kernel image (no x86 boot header)", path);
	close(fd);
	return ret;
}

static int file_sha256(const char *path, char hex[65])
{
	crypto_hash_sha256_state st;
	unsigned char buf[65536], h[32];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	crypto_hash_sha256_init(&st);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		crypto_hash_sha256_update(&st, buf, (size_t)n);
	close(fd);
	if (n < 0)
		return -EIO;
	crypto_hash_sha256_final(&st, h);
	sodium_bin2hex(hex, 65, h, sizeof(h));
	return 0;
}

static int cache_dir(char *buf, size_t len)
{
	const char *x = getenv("XDG_CACHE_HOME");

	if (x && *x)
		return util_fmt(buf, len, "%s/wgbench/kernels", x);
	return util_fmt(buf, len, "/var/cache/wgbench/kernels");
}

/* The one entry of dir whose name starts with prefix. */
static int find_entry(const char *dir, const char *prefix, char *name, size_t len)
{
	struct dirent *e;
	int ret = -ENOENT;
	DIR *d = opendir(dir);

	if (!d)
		return -ENOENT;
	while ((e = readdir(d)))
		/* Not the PVH ELF that earlier versions kept beside the image. */
		if (!strncmp(e->d_name, prefix, strlen(prefix)) && e->d_name[0] != '.' &&
		    !strstr(e->d_name, ".pvh-elf")) {
			ret = util_fmt(name, len, "%s", e->d_name);
			break;
		}
	closedir(d);
	return ret;
}

/* The modules.dep of the kernel unpacked at root (depmod -b), unless there. */
static int depmod_root(const char *root)
{
	char d[PATH_MAX], f[NAME_MAX + 1];
	struct stat st;

	if (util_fmt(d, sizeof(d), "%s/boot", root) || find_entry(d, "vmlinuz-", f, sizeof(f)))
		return -ENOENT;
	if (util_fmt(d, sizeof(d), "%s/lib/modules/%s/modules.dep", root, f + 8))
		return -ENAMETOOLONG;
	if (stat(d, &st)) {
		const char *dm[] = { "depmod", "-b", root, f + 8, NULL };

		if (vm_exec(dm, NULL))
			return -EIO;
	}
	return 0;
}

/* The package unpacked into the cache, modules.dep made, all in a directory
 * of this process renamed into place: runs side by side (the e2e suite's)
 * never see half of one, and one that loses the race drops its copy. */
static int unpack_deb(struct vm_kernel *k)
{
	char cache[PATH_MAX], root[PATH_MAX], tmp[PATH_MAX], d[PATH_MAX], f[NAME_MAX + 1];
	const char *rm[] = { "rm", "-rf", tmp, NULL };
	struct stat st;
	int r;

	if (stat(k->deb, &st) || !S_ISREG(st.st_mode)) {
		wgb_err("--kernel-deb %s: no such file", k->deb);
		return -ENOENT;
	}
	r = file_sha256(k->deb, k->deb_sha256);
	if (!r)
		r = cache_dir(cache, sizeof(cache));
	if (!r)
		r = util_fmt(root, sizeof(root), "%s/%s", cache, k->deb_sha256);
	if (r)
		return r;
	if (stat(root, &st)) {
		const char *x[] = { "dpkg-deb", "-x", k->deb, tmp, NULL };

		if (util_fmt(tmp, sizeof(tmp), "%s.tmp.%d", root, (int)getpid()) ||
		    util_mkdir_p(tmp, 0755))
			return -EIO;
		if (vm_exec(x, NULL)) {
			vm_exec(rm, NULL);
			wgb_err("--kernel-deb %s: not a Debian package dpkg-deb can unpack", k->deb);
			return -EINVAL;
		}
		r = depmod_root(tmp);
		if (r == -ENOENT) {
			vm_exec(rm, NULL);
			wgb_err("--kernel-deb %s: no boot/vmlinuz-* inside (a linux-image package?)", k->deb);
			return -EINVAL;
		}
		if (r) {
			vm_exec(rm, NULL);
			return r;
		}
		if (rename(tmp, root))
			vm_exec(rm, NULL); /* lost the race with another unpack */
	}
	if (util_fmt(d, sizeof(d), "%s/boot", root) || find_entry(d, "vmlinuz-", f, sizeof(f)) ||
	    util_fmt(k->image, sizeof(k->image), "%s/%s", d, f)) {
		wgb_err("--kernel-deb %s: no boot/vmlinuz-* inside (a linux-image package?)", k->deb);
		return -EINVAL;
	}
	if (util_fmt(k->moddir, sizeof(k->moddir), "%s/lib/modules/%s", root, f + 8))
		return -ENAMETOOLONG;
	/* a cache an earlier version unpacked without modules.dep */
	return depmod_root(root);
}

int vm_kernel_resolve(const struct opts *o, struct vm_kernel *k)
{
	char p[PATH_MAX], *mods = NULL;
	struct stat st;
	int r;

	memset(k, 0, sizeof(*k));
	if (o->kernel_deb && o->kernel) {
		wgb_err("--kernel and --kernel-deb: give one of them");
		return -EINVAL;
	}
	if (!o->kernel_deb && !o->kernel) {
		wgb_err("--backend vm needs --kernel PATH or --kernel-deb FILE");
		return -EINVAL;
	}
	if (o->kernel_deb) {
		if (util_fmt(k->deb, sizeof(k->deb), "%s", o->kernel_deb))
			return -ENAMETOOLONG;
		r = unpack_deb(k);
		if (r)
			return r;
	} else {
		if (!realpath(o->kernel, k->image)) {
			wgb_err("--kernel %s: %s", o->kernel, strerror(errno));
			return -ENOENT;
		}
		if (o->modules && !realpath(o->modules, k->moddir)) {
			wgb_err("--modules %s: %s", o->modules, strerror(errno));
			return -ENOENT;
		}
	}
	r = image_release(k->image, k->release, sizeof(k->release));
	if (r)
		return r;
	if (!*k->moddir)
		return 0;  /* everything built in, or the guest will say what is missing */
	if (util_fmt(p, sizeof(p), "%s/modules.dep", k->moddir))
		return -ENAMETOOLONG;
	if (stat(p, &st)) {
		wgb_err("%s: no modules.dep (run depmod for release %s)", k->moddir, k->release);
		return -ENOENT;
	}
	if (util_fmt(p, sizeof(p), "%s/modules.builtin", k->moddir))
		return -ENAMETOOLONG;
	if (!util_read_file(p, &mods, NULL)) {
		k->wg_builtin = strstr(mods, "/wireguard.ko") != NULL;
		free(mods);
	}
	return 0;
}
