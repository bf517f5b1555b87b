/* agent_node.c — the node agent's loop (agent_node.h): one command line
 * at a time from the channel, dispatched through one table, answered with
 * "ok" or "err". A guest's "setup" is here; the other commands live in the
 * agent_node_*.c files (agent_node_impl.h).
 *
 * With stdio (a controller's ssh session) the agent owns what it made on
 * the host for as long as the session lasts: when the channel closes (the
 * controller was killed, its ssh died) or a SIGTERM/SIGINT arrives, it
 * reverts the variant and removes the host's part before returning.
 */
#include "agent_node.h"
#include "agent_node_impl.h"
#include "agent_chan.h"
#include "agent_host.h"
#include "sample.h"
#include "stop.h"
#include "topo_node.h"
#include "traffic.h"
#include "tun.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The controller may be gone (a closed pipe): said as -EPIPE, not died of. */
static int write_all(int fd, const char *p, size_t n)
{
	return agent_chan_write(fd, p, n);
}

void agent_node_reply(struct node_agent *a, const char *json, const char *fmt, ...)
{
	char line[512], words[400] = "";
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(words, sizeof(words), fmt, ap);
		va_end(ap);
	}
	snprintf(line, sizeof(line), "ok %zu%s%s\n", json ? strlen(json) : 0, words[0] ? " " : "", words);
	write_all(a->wfd, line, strlen(line));
	if (json)
		write_all(a->wfd, json, strlen(json));
}

void agent_node_fail(struct node_agent *a, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	strcpy(line, "err ");
	va_start(ap, fmt);
	vsnprintf(line + 4, sizeof(line) - 6, fmt, ap);
	va_end(ap);
	for (n = 0; line[n]; n++)
		if (line[n] == '\n')
			line[n] = ' ';
	strcat(line, "\n");
	write_all(a->wfd, line, strlen(line));
}

int agent_node_path(const struct node_agent *a, const char *name, char *buf, size_t len)
{
	return util_fmt(buf, len, "%s/%s", a->dir, name);
}

/* More bytes from the controller into buf: 1, 0 at the channel's end (or
 * a stop, stdio), -EAGAIN when a guest's port has no host yet. */
static int more(struct node_agent *a, char *buf, size_t room)
{
	for (;;) {
		struct pollfd p = { .fd = a->rfd, .events = POLLIN };
		ssize_t r;

		if (a->stdio && stop_requested())
			return 0;
		if (a->stdio && poll(&p, 1, 200) <= 0)
			continue;
		r = read(a->rfd, buf, room);
		if (r < 0 && errno == EINTR)
			continue;
		if (r > 0)
			return (int)r;
		if (a->stdio)
			return 0;
		/* No host at the other end yet (or any more): wait. */
		usleep(50000);
		return -EAGAIN;
	}
}

/* One line from the controller (without its newline); NULL at the end. */
static char *next_line(struct node_agent *a)
{
	for (;;) {
		char *line = agent_node_line(a->buf, a->len, &a->used);
		int r;

		if (line)
			return line;
		if (a->len >= sizeof(a->buf) - 1)
			a->len = 0;   /* an overlong line is dropped */
		r = more(a, a->buf + a->len, sizeof(a->buf) - 1 - a->len);
		if (r == 0)
			return NULL;
		if (r > 0)
			a->len += (size_t)r;
	}
}

static void consume_line(struct node_agent *a)
{
	size_t used = a->used;

	memmove(a->buf, a->buf + used, a->len - used);
	a->len -= used;
	a->used = 0;
}

int agent_node_payload(struct node_agent *a, char **w, size_t n, char **out)
{
	size_t want = n > 1 ? strtoul(w[1], NULL, 10) : 0, got = 0;
	char *buf = want < (1u << 20) ? malloc(want + 1) : NULL;

	consume_line(a);
	*out = NULL;
	if (!buf)
		return -EINVAL;
	while (got < want) {
		size_t take = a->len < want - got ? a->len : want - got;
		int r;

		memcpy(buf + got, a->buf, take);
		got += take;
		memmove(a->buf, a->buf + take, a->len - take);
		a->len -= take;
		if (got == want)
			break;
		r = more(a, a->buf, sizeof(a->buf) - 1);
		if (r == 0) {
			free(buf);
			return -EPIPE;
		}
		if (r > 0)
			a->len = (size_t)r;
	}
	buf[want] = 0;
	*out = buf;
	return 0;
}

/* A guest's node: its NICs renamed and addressed, its tunnel ends; the
 * reply carries what its interfaces and WireGuard say (the host's run.json). */
static void cmd_setup(struct node_agent *a, char **w, size_t n)
{
	struct json_object *net = NULL;
	struct topo_node_cfg c;
	char ver[96] = "", why[64];
	int r;

	if (agent_node_parse_setup(w, n, &c, why, sizeof(why))) {
		explicit_bzero(c.private_key, sizeof(c.private_key));
		agent_node_fail(a, "%s", why);
		return;
	}
	r = topo_node_setup(&c);
	explicit_bzero(c.private_key, sizeof(c.private_key));
	if (!r && !a->view)
		r = topo_node_view(&c, &a->view);
	if (!r)
		r = topo_node_view_network(a->view, &net);
	if (r) {
		agent_node_fail(a, "setting up %s: %s", w[1], strerror(-r));
		return;
	}
	a->node = c.node;
	a->tunnels = c.tunnels;
	snprintf(a->prefix, sizeof(a->prefix), "%s", c.prefix);
	if (c.wg && tun_kernel_ops.version(ver, sizeof(ver)))
		snprintf(ver, sizeof(ver), "kernel ?");
	agent_node_reply(a, json_object_to_json_string_ext(net, JSON_C_TO_STRING_PLAIN), "%s",
			 c.wg ? ver : "none");
	json_object_put(net);
}

static const struct {
	const char *name;
	void (*fn)(struct node_agent *a, char **w, size_t n);
} commands[] = {
	{ "setup", cmd_setup }, { "ping", agent_node_ping },
	{ "sample-start", agent_node_sample_start }, { "sample-stop", agent_node_sample_stop },
	{ "serve", agent_node_serve_cmd }, { "serve-end", agent_node_serve_end },
	{ "client", agent_node_client }, { "now", agent_node_now },
	{ "variant-check", agent_node_variant_check }, { "variant-apply", agent_node_variant_apply },
	{ "variant-revert", agent_node_variant_revert },
	{ "check", agent_node_check }, { "build", agent_node_build }, { "down", agent_node_down },
	{ "facts", agent_node_facts }, { "cleanup", agent_node_cleanup },
	{ "live-attach", agent_node_live_attach },
	{ "reflect-start", agent_node_reflect_start }, { "reflect-stop", agent_node_reflect_stop },
	{ "probe-start", agent_node_probe_start }, { "probe-stop", agent_node_probe_stop },
	{ "probe-result", agent_node_probe_result },
};

static void dispatch(struct node_agent *a, char **w, size_t n)
{
	size_t i;

	for (i = 0; n && i < ARRAY_SIZE(commands) && strcmp(commands[i].name, w[0]); i++)
		;
	if (!n || i == ARRAY_SIZE(commands))
		agent_node_fail(a, "unknown command");
	else
		commands[i].fn(a, w, n);
	if (a->used)   /* a command that read a payload consumed its line */
		consume_line(a);
}

int agent_node_serve(int rfd, int wfd, const struct agent_node_opts *o)
{
	struct node_agent *a = calloc(1, sizeof(*a));
	char *w[AGENT_NODE_MAX_WORDS], *line;
	size_t n;

	if (!a)
		return -ENOMEM;
	a->rfd = rfd;
	a->wfd = wfd;
	a->stdio = o && o->stdio;
	a->lock_fd = -1;
	snprintf(a->dir, sizeof(a->dir), "%s", o && o->dir ? o->dir : "/tmp");
	a->node = NODE_SOURCE;
	while ((line = next_line(a))) {
		n = agent_node_split(line, w, AGENT_NODE_MAX_WORDS);
		if (n && !strcmp(w[0], "quit"))
			break;
		dispatch(a, w, n);
	}
	/* the probe, the servers, the sampler, the variant, a host's part */
	agent_node_host_teardown(a);
	agent_node_live_free(a);
	agent_host_unlock(a->prefix, &a->lock_fd);
	topo_free(a->view);
	free(a);
	return 0;
}
