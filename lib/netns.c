/* netns.c — see netns.h. Mirrors iproute2's ip/ipnetns.c (netns_add,
 * netns_delete), without a subprocess. */
#include "netns.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

int netns_path(const char *name, char *buf, size_t len)
{
	return util_fmt(buf, len, NETNS_RUN_DIR "/%s", name);
}

/* Make /run/netns a shared mount point, as ip does, so that a namespace
 * unmounted here is unmounted in every mount namespace that copied it. */
int netns_prepare(void)
{
	bool made_mount = false;
	int ret;

	ret = util_mkdir_p(NETNS_RUN_DIR, 0755);
	if (ret) {
		wgb_err("creating %s: %s", NETNS_RUN_DIR, strerror(-ret));
		return ret;
	}
	while (mount("", NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL)) {
		if (errno != EINVAL || made_mount) {
			ret = -errno;
			wgb_err("making %s a shared mount: %s", NETNS_RUN_DIR, strerror(errno));
			return ret;
		}
		if (mount(NETNS_RUN_DIR, NETNS_RUN_DIR, "none", MS_BIND | MS_REC, NULL)) {
			ret = -errno;
			wgb_err("bind-mounting %s on itself: %s", NETNS_RUN_DIR, strerror(errno));
			return ret;
		}
		made_mount = true;
	}
	return 0;
}

int netns_create_enter(const char *name, int *back)
{
	char path[256];
	int fd, ret;

	*back = -1;
	ret = netns_path(name, path, sizeof(path));
	if (ret)
		return ret;
	ret = netns_prepare();
	if (ret)
		return ret;
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		wgb_err("creating %s: %s", path, strerror(errno));
		return ret;
	}
	close(fd);
	*back = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (*back < 0) {
		ret = -errno;
		wgb_err("opening the current network namespace: %s", strerror(errno));
		goto fail;
	}
	if (unshare(CLONE_NEWNET) < 0) {
		ret = -errno;
		wgb_err("unshare(CLONE_NEWNET) for %s: %s", name, strerror(errno));
		goto fail;
	}
	if (mount("/proc/thread-self/ns/net", path, "none", MS_BIND, NULL) < 0) {
		ret = -errno;
		wgb_err("bind-mounting the namespace on %s: %s", path, strerror(errno));
		netns_leave(back);
		goto fail;
	}
	return 0;
fail:
	if (*back >= 0) {
		close(*back);
		*back = -1;
	}
	unlink(path);
	return ret;
}

int netns_join(const char *path)
{
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (setns(fd, CLONE_NEWNET) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

int netns_enter(const char *path, int *back)
{
	int ret;

	*back = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (*back < 0)
		return -errno;
	ret = netns_join(path);
	if (ret) {
		close(*back);
		*back = -1;
	}
	return ret;
}

int netns_leave(int *back)
{
	int ret = 0;

	if (*back < 0)
		return 0;
	if (setns(*back, CLONE_NEWNET) < 0) {
		ret = -errno;
		wgb_err("cannot return to the original network namespace: %s", strerror(errno));
	}
	close(*back);
	*back = -1;
	return ret;
}

int netns_call(const char *path, int (*fn)(void *arg), void *arg)
{
	int back, ret, r;

	if (!path)
		return fn(arg);
	ret = netns_enter(path, &back);
	if (ret) {
		wgb_err("cannot enter the namespace %s: %s", path, strerror(-ret));
		return ret;
	}
	ret = fn(arg);
	r = netns_leave(&back);
	return ret ? ret : r;
}

int netns_delete(const char *name)
{
	char path[256];
	int ret;

	ret = netns_path(name, path, sizeof(path));
	if (ret)
		return ret;
	/* EINVAL: not a mount point (a half-made one); the file still goes. */
	if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT) {
		ret = -errno;
		wgb_err("unmounting %s: %s", path, strerror(errno));
		return ret;
	}
	if (unlink(path) < 0 && errno != ENOENT) {
		ret = -errno;
		wgb_err("removing %s: %s", path, strerror(errno));
		return ret;
	}
	return 0;
}

int netns_exists(const char *name)
{
	char path[256];

	if (netns_path(name, path, sizeof(path)))
		return 0;
	return access(path, F_OK) == 0;
}
