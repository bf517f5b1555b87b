/* modules.h — the module loader of the static /init programs under tests/
 * (tests/guest/init.c, tests/tools/tun_kernel_guest.c): every *.ko in a
 * directory loaded with finit_module(), retried pass after pass until one
 * loads nothing more, since the order of their dependencies is not known
 * there. Loaded files are removed (the initramfs is RAM). Only the C
 * library: both programs are linked static. */
#ifndef WGB_TESTS_GUEST_MODULES_H
#define WGB_TESTS_GUEST_MODULES_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* *loaded: modules loaded (or already there); *left: those that would not. */
static inline void guest_load_modules(const char *dir, int *loaded, int *left)
{
	bool progress = true;

	*loaded = *left = 0;
	while (progress) {
		DIR *d = opendir(dir);
		struct dirent *e;

		progress = false;
		*left = 0;
		while (d && (e = readdir(d))) {
			char p[512];
			int fd;

			if (!strstr(e->d_name, ".ko"))
				continue;
			snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
			fd = open(p, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				continue;
			if (syscall(SYS_finit_module, fd, "", 0) == 0 || errno == EEXIST) {
				unlink(p);
				(*loaded)++;
				progress = true;
			} else {
				(*left)++;
			}
			close(fd);
		}
		if (d)
			closedir(d);
	}
}

#endif
