/* netns.c — see netns.h. Mirrors iproute2's ip/ipnetns.c (netns_add,
 * netns_delete), without a subprocess. */
#include "netns.h"
#include "util.h"

#include <dirent.h>
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

int netns_enter(const char *path, int *back)
{
	int fd, ret;

	*back = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (*back < 0)
		return -errno;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		wgb_err("opening %s: %s", path, strerror(errno));
		goto fail;
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		ret = -errno;
		wgb_err("entering %s: %s", path, strerror(errno));
		close(fd);
		goto fail;
	}
	close(fd);
	return 0;
fail:
	close(*back);
	*back = -1;
	return ret;
}

int netns_leave(int *back)
{
	int ret = 0;

	if (*back < 0)
		return 0;
	if (setns(*back, CLONE_NEWNET) < 0) {
		ret = -errno;
		wgb_err("returning to the original network namespace: %s", strerror(errno));
	}
	close(*back);
	*back = -1;
	return ret;
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

static bool is_pid_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

int netns_pids(const char *name, pid_t **pids, size_t *n)
{
	struct stat want, st;
	char path[256];
	struct dirent *de;
	pid_t *list = NULL;
	size_t cap = 0, cnt = 0;
	DIR *d = NULL;
	int ret;

	*pids = NULL;
	*n = 0;
	ret = netns_path(name, path, sizeof(path));
	if (ret)
		return ret;
	/* The bind mount shows the nsfs inode; an unmounted file shows its own. */
	if (stat(path, &want) < 0)
		return errno == ENOENT ? 0 : -errno;
	d = opendir("/proc");
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (!is_pid_name(de->d_name))
			continue;
		if (util_fmt(path, sizeof(path), "/proc/%s/ns/net", de->d_name))
			continue;
		if (stat(path, &st) < 0 || st.st_ino != want.st_ino || st.st_dev != want.st_dev)
			continue;
		if (util_grow(&list, &cap, cnt + 1, sizeof(*list))) {
			ret = -ENOMEM;
			goto out;
		}
		list[cnt++] = (pid_t)atoi(de->d_name);
	}
	*pids = list;
	*n = cnt;
	list = NULL;
	ret = 0;
out:
	free(list);
	closedir(d);
	return ret;
}

void netns_list_free(char **names, size_t n)
{
	size_t i;

	if (!names)
		return;
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int netns_list(const char *prefix, char ***names, size_t *n)
{
	size_t cap = 0, cnt = 0, plen = strlen(prefix);
	char **list = NULL;
	struct dirent *de;
	DIR *d;
	int ret = 0;

	*names = NULL;
	*n = 0;
	d = opendir(NETNS_RUN_DIR);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || strncmp(de->d_name, prefix, plen))
			continue;
		if (util_grow(&list, &cap, cnt + 1, sizeof(*list))) {
			ret = -ENOMEM;
			break;
		}
		list[cnt] = strdup(de->d_name);
		if (!list[cnt]) {
			ret = -ENOMEM;
			break;
		}
		cnt++;
	}
	closedir(d);
	if (ret) {
		netns_list_free(list, cnt);
		return ret;
	}
	*names = list;
	*n = cnt;
	return 0;
}
