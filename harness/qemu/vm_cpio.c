/* vm_cpio.c — the newc ("070701") cpio format, written and read in C so
 * neither the host nor the guest needs a cpio program. The kernel unpacks
 * it as the initramfs; the agent uses it to send the results back. */
#include "vm.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct vm_cpio {
	int fd;
	unsigned int ino;
	int err;
};

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int pad4(struct vm_cpio *c, size_t len)
{
	static const char zeros[4];

	return (len & 3) ? write_all(c->fd, zeros, 4 - (len & 3)) : 0;
}

static int header(struct vm_cpio *c, const char *name, unsigned int mode, size_t size,
		  unsigned int rmaj, unsigned int rmin)
{
	char hdr[111];
	size_t nlen = strlen(name) + 1;
	int r;

	if (c->err)
		return c->err;
	snprintf(hdr, sizeof(hdr), "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 ++c->ino, mode, 0u, 0u, 1u, 0u, (unsigned int)size, 0u, 0u, rmaj, rmin,
		 (unsigned int)nlen, 0u);
	r = write_all(c->fd, hdr, 110);
	if (!r)
		r = write_all(c->fd, name, nlen);
	if (!r)
		r = pad4(c, 110 + nlen);
	if (r)
		c->err = r;
	return r;
}

int vm_cpio_open(int fd, struct vm_cpio **out)
{
	struct vm_cpio *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->fd = fd;
	*out = c;
	return 0;
}

int vm_cpio_dir(struct vm_cpio *c, const char *name, unsigned int mode)
{
	return header(c, name, S_IFDIR | mode, 0, 0, 0);
}

int vm_cpio_file(struct vm_cpio *c, const char *name, unsigned int mode,
		 const void *data, size_t len)
{
	int r = header(c, name, S_IFREG | mode, len, 0, 0);

	if (!r)
		r = write_all(c->fd, data, len);
	if (!r)
		r = pad4(c, len);
	if (r)
		c->err = r;
	return r;
}

int vm_cpio_copy(struct vm_cpio *c, const char *name, const char *src, unsigned int mode)
{
	char *buf = NULL;
	size_t len;
	int r;

	r = util_read_file(src, &buf, &len);
	if (r) {
		wgb_err("%s: %s", src, strerror(-r));
		return r;
	}
	r = vm_cpio_file(c, name, mode, buf, len);
	free(buf);
	return r;
}

int vm_cpio_symlink(struct vm_cpio *c, const char *name, const char *target)
{
	size_t len = strlen(target);
	int r = header(c, name, S_IFLNK | 0777, len, 0, 0);

	if (!r)
		r = write_all(c->fd, target, len);
	if (!r)
		r = pad4(c, len);
	if (r)
		c->err = r;
	return r;
}

int vm_cpio_node(struct vm_cpio *c, const char *name, unsigned int mode,
		 unsigned int major, unsigned int minor)
{
	return header(c, name, mode, 0, major, minor);
}

int vm_cpio_tree(struct vm_cpio *c, const char *name, const char *src)
{
	char sp[PATH_MAX], np[PATH_MAX];
	struct dirent *e;
	struct stat st;
	DIR *d;
	int r;

	r = vm_cpio_dir(c, name, 0755);
	if (r)
		return r;
	d = opendir(src);
	if (!d)
		return -errno;
	while (!r && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (util_fmt(sp, sizeof(sp), "%s/%s", src, e->d_name) ||
		    util_fmt(np, sizeof(np), "%s/%s", name, e->d_name)) {
			r = -ENAMETOOLONG;
			break;
		}
		if (stat(sp, &st))
			continue;
		if (S_ISDIR(st.st_mode))
			r = vm_cpio_tree(c, np, sp);
		else if (S_ISREG(st.st_mode))
			r = vm_cpio_copy(c, np, sp, st.st_mode & 0777);
	}
	closedir(d);
	return r;
}

int vm_cpio_close(struct vm_cpio *c)
{
	int r;

	if (!c)
		return 0;
	r = header(c, "TRAILER!!!", 0, 0, 0, 0);
	free(c);
	return r;
}

static unsigned int hexfield(const char *p)
{
	char f[9];

	memcpy(f, p, 8);
	f[8] = 0;
	return (unsigned int)strtoul(f, NULL, 16);
}

static bool safe_name(const char *n)
{
	const char *p = n;

	if (!*n || n[0] == '/')
		return false;
	while (p) {
		if (!strncmp(p, "..", 2) && (p[2] == '/' || !p[2]))
			return false;
		p = strchr(p, '/');
		if (p)
			p++;
	}
	return true;
}

static int extract_one(const char *dir, const char *name, unsigned int mode,
		       const char *data, size_t size)
{
	char path[PATH_MAX];
	int r;

	if (!strcmp(name, "."))
		return 0;
	if (!safe_name(name)) {
		wgb_err("results archive: refusing entry '%s'", name);
		return -EINVAL;
	}
	if (util_fmt(path, sizeof(path), "%s/%s", dir, name))
		return -ENAMETOOLONG;
	if (S_ISDIR(mode))
		return util_mkdir_p(path, 0755);
	if (!S_ISREG(mode))
		return 0;
	r = util_write_file_atomic(path, data, size);
	if (r == -ENOENT) {
		char *slash = strrchr(path, '/');

		*slash = 0;
		r = util_mkdir_p(path, 0755);
		*slash = '/';
		if (!r)
			r = util_write_file_atomic(path, data, size);
	}
	return r;
}

int vm_cpio_extract(const char *archive, const char *dir)
{
	char *buf = NULL;
	size_t len, off = 0;
	int r;

	r = util_read_file(archive, &buf, &len);
	if (r)
		return r;
	r = -EBADMSG;
	while (off + 110 <= len) {
		const char *h = buf + off;
		unsigned int mode, size, nlen;
		const char *name;

		if (memcmp(h, "070701", 6))
			goto out;
		mode = hexfield(h + 14);
		size = hexfield(h + 54);
		nlen = hexfield(h + 94);
		if (nlen == 0 || off + 110 + nlen > len)
			goto out;
		name = h + 110;
		if (name[nlen - 1])
			goto out;
		off = (off + 110 + nlen + 3) & ~(size_t)3;
		if (!strcmp(name, "TRAILER!!!")) {
			r = 0;
			goto out;
		}
		if (off + size > len)
			goto out;
		r = extract_one(dir, name, mode, buf + off, size);
		if (r)
			goto out;
		r = -EBADMSG;
		off = (off + size + 3) & ~(size_t)3;
	}
out:
	free(buf);
	return r;
}
