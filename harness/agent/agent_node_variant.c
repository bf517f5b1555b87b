/* agent_node_variant.c — variants on the node agent's node (agent_node.h):
 * the variant file travels as a payload, is parsed here as the controller
 * parsed it, and applied to this node's view of the testbed (the knobs for
 * this node and the "host" ones: each node is a machine). On a host, what
 * was applied is also written to the host's state file, so `wgbench cleanup
 * --hosts` can say what a killed agent left. */
#include "agent_node_impl.h"
#include "agent_host.h"
#include "util.h"
#include "variant.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* variant_load_all() says what is wrong on stderr (the console, or the
 * controller's ssh): caught into why as well, for the controller. */
static int load_variant(struct node_agent *a, const char *path, char *why, size_t len)
{
	char err[PATH_MAX], *text = NULL;
	int saved = -1, fd = -1, r;

	if (!agent_node_path(a, "variant.err", err, sizeof(err))) {
		saved = dup(STDERR_FILENO);
		fd = open(err, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	}
	if (fd >= 0 && saved >= 0)
		dup2(fd, STDERR_FILENO);
	r = variant_load_all(&path, 1, &a->vs);
	fflush(stderr);
	if (saved >= 0) {
		dup2(saved, STDERR_FILENO);
		close(saved);
	}
	if (fd >= 0)
		close(fd);
	if (r && fd >= 0 && !util_read_file(err, &text, NULL)) {
		fputs(text, stderr);
		text[strcspn(text, "\n")] = 0;
		snprintf(why, len, "%s", strncmp(text, "wgbench: ", 9) ? text : text + 9);
	}
	free(text);
	return r;
}

/* The N bytes after the command line: a variant file. */
static int read_variant(struct node_agent *a, char **w, size_t n, const struct variant **out,
			char *why, size_t len)
{
	char path[PATH_MAX], *buf = NULL;
	int r = agent_node_payload(a, w, n, &buf);

	if (!r)
		r = agent_node_path(a, "variant.json", path, sizeof(path));
	if (!r)
		r = util_write_file_atomic(path, buf, strlen(buf));
	free(buf);
	variant_set_free(a->vs);
	a->vs = NULL;
	if (!r)
		r = load_variant(a, path, why, len);
	if (!r)
		*out = variant_get(a->vs, 0);
	return r;
}

void agent_node_variant_drop(struct node_agent *a)
{
	if (a->applied && variant_revert(a->applied))
		fprintf(stderr, "wgbench agent: not every value could be restored\n");
	variant_applied_free(a->applied);
	a->applied = NULL;
	if (a->host)
		agent_host_note_variant(a->host, NULL, NULL);
	variant_set_free(a->vs);
	a->vs = NULL;
}

void agent_node_variant_check(struct node_agent *a, char **w, size_t n)
{
	const struct variant *v = NULL;
	char why[512] = "";
	int r = read_variant(a, w, n, &v, why, sizeof(why));

	if (r && why[0]) {   /* it does not validate here (this node's CPUs...): a reason to skip */
		agent_node_reply(a, why, NULL);
		return;
	}
	if (r || !v || (!a->view && !a->live)) {
		agent_node_fail(a, "variant: %s", !a->view && !a->live ? "node not set up" : strerror(r ? -r : EINVAL));
		return;
	}
	if (!(a->live ? agent_node_live_check(a, v, why, sizeof(why)) : variant_check(v, a->view, why, sizeof(why))))
		why[0] = 0;   /* it leaves the last entry's label in why */
	else if (!why[0])
		snprintf(why, sizeof(why), "not supported on %s", topo_node_name(a->node));
	agent_node_reply(a, why, NULL);
}

void agent_node_variant_apply(struct node_agent *a, char **w, size_t n)
{
	struct json_object *arr = NULL;
	const struct variant *v = NULL;
	char why[512] = "";
	int r;

	if (a->applied) {   /* the last one's values first, and forgotten */
		if (variant_revert(a->applied))
			fprintf(stderr, "wgbench agent: not every value could be restored\n");
		variant_applied_free(a->applied);
		a->applied = NULL;
	}
	r = read_variant(a, w, n, &v, why, sizeof(why));
	if (!r && (!v || (!a->view && !a->live)))
		r = -EINVAL;
	/* before anything changes: a killed agent's leftovers can be named */
	if (!r && a->host)
		agent_host_note_variant(a->host, variant_name(v), NULL);
	if (!r)   /* the far side of a live tunnel: its named links, kept in its host file */
		r = a->live ? agent_node_live_apply(a, v, &a->applied) : variant_apply(v, a->view, &a->applied);
	if (r) {
		a->applied = NULL;
		agent_node_fail(a, "variant could not be applied on %s: %s", topo_node_name(a->node),
				why[0] ? why : strerror(-r));
		return;
	}
	variant_applied_json(a->applied, &arr);
	if (a->host)
		agent_host_note_variant(a->host, variant_name(v), arr);
	agent_node_reply(a, arr ? json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN) : "[]", NULL);
	json_object_put(arr);
}

void agent_node_variant_revert(struct node_agent *a, char **w, size_t n)
{
	agent_node_variant_drop(a);
	agent_node_reply(a, NULL, NULL);
}
