/* agent_ssh_dest.c — an ssh destination as the hosts file gives it,
 * checked before it reaches ssh as one argument (agent_ssh.h); pure. */
#include "agent_ssh.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int agent_ssh_dest(const char *dest, char *host, size_t hlen, unsigned int *port, char *why,
		   size_t wlen)
{
	const char *at = strrchr(dest, '@'), *h = at ? at + 1 : dest, *colon, *end;
	uint64_t p = 0;
	size_t i, n;

	*port = 0;
	for (i = 0; dest[i]; i++)
		if (isspace((unsigned char)dest[i]) || iscntrl((unsigned char)dest[i])) {
			snprintf(why, wlen, "'%s' holds a blank or control character", dest);
			return -EINVAL;
		}
	if (!*dest || dest[0] == '-' || *h == '-' || !*h || i > 255) {
		snprintf(why, wlen, "'%s' is no ssh destination ([user@]host[:port])", dest);
		return -EINVAL;
	}
	if (*h == '[') {   /* [v6]:port */
		end = strchr(h, ']');
		colon = end && end[1] == ':' ? end + 1 : NULL;
		if (!end || (end[1] && !colon)) {
			snprintf(why, wlen, "'%s': an IPv6 address is [ADDR] or [ADDR]:PORT", dest);
			return -EINVAL;
		}
		h++;
	} else {
		colon = strchr(h, ':');
		if (colon && strchr(colon + 1, ':'))
			colon = NULL;   /* a bare IPv6 address: no port */
		end = colon ? colon : h + strlen(h);
	}
	if (colon && util_parse_u64(colon + 1, 1, 65535, &p)) {
		snprintf(why, wlen, "'%s': the port is not 1-65535", dest);
		return -EINVAL;
	}
	n = (size_t)(at ? at + 1 - dest : 0);
	if (util_fmt(host, hlen, "%.*s%.*s", (int)n, dest, (int)(end - h), h) || end == h) {
		snprintf(why, wlen, "'%s' is no ssh destination ([user@]host[:port])", dest);
		return -EINVAL;
	}
	*port = (unsigned int)p;
	return 0;
}
