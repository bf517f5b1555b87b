/* agent_ssh_self.c — this binary as the agent it sends (agent_ssh.h): its
 * path and sha256, and the other side of the copy, a copy that checks its
 * own sha256 on the machine before it moves into place. */
#include "agent_ssh.h"
#include "agent_ssh_impl.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int sha256_file(const char *path, char hex[65])
{
	crypto_hash_sha256_state st;
	unsigned char buf[1 << 16], out[crypto_hash_sha256_BYTES];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0)
		return -errno;
	crypto_hash_sha256_init(&st);
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		crypto_hash_sha256_update(&st, buf, (unsigned long long)r);
	close(fd);
	if (r < 0)
		return -EIO;
	crypto_hash_sha256_final(&st, out);
	sodium_bin2hex(hex, 65, out, sizeof(out));
	return 0;
}

int agent_ssh_exe(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);

	if (n < 0)
		return -errno;
	buf[n] = 0;
	return 0;
}

int agent_ssh_self(char sha[65], char *path, size_t len)
{
	char exe[PATH_MAX];
	int ret = agent_ssh_exe(exe, sizeof(exe));

	if (!ret)
		ret = sha256_file(exe, sha);
	if (ret)
		wgb_err("cannot read this binary (%s): %s", exe, strerror(-ret));
	return ret ? ret : util_fmt(path, len, AGENT_SSH_DIR "/agent-%s", sha);
}

int agent_ssh_install_self(const char *sha)
{
	char exe[PATH_MAX], want[PATH_MAX], got[65];
	int ret = agent_ssh_exe(exe, sizeof(exe));

	if (!ret)
		ret = util_fmt(want, sizeof(want), AGENT_SSH_DIR "/agent-%s", sha);
	if (ret)
		return ret;
	if (strncmp(exe, want, strlen(want)) || strncmp(exe + strlen(want), ".part-", 6)) {
		wgb_err("agent --install: runs only as %s.part-*, not %s", want, exe);
		return -EINVAL;
	}
	ret = sha256_file(exe, got);
	if (!ret && strcmp(got, sha)) {
		wgb_err("agent --install: the copy's sha256 is %s, not %s: removed", got, sha);
		unlink(exe);
		return -EBADMSG;
	}
	if (!ret && rename(exe, want))
		ret = -errno;
	if (ret)
		wgb_err("agent --install: %s: %s", want, strerror(-ret));
	return ret;
}
