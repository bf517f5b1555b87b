/* results.c — see results.h. */
#include "results.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

struct results {
	char *dir;
	struct json_object *runs;    /* the runs[] array, in finishing order */
	struct json_object *skipped; /* [{"variant","reason"}], or NULL */
};

/* 1: has entries, 0: empty, -errno. */
static int dir_has_entries(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int found = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			found = 1;
			break;
		}
	closedir(d);
	return found;
}

/* Writable for real: create and remove a file (root passes access(W_OK) even
 * where it cannot write, e.g. a read-only mount). */
static int probe_writable(const char *dir)
{
	char path[PATH_MAX];
	int fd, ret;

	ret = util_fmt(path, sizeof(path), "%s/.wgbench-probe.%d", dir, (int)getpid());
	if (ret)
		return ret;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	close(fd);
	unlink(path);
	return 0;
}

/* The nearest existing ancestor of dir (for a directory still to be made). */
static int existing_ancestor(const char *dir, char *buf, size_t len)
{
	struct stat st;
	char *slash;
	int ret;

	ret = util_fmt(buf, len, "%s", dir);
	if (ret)
		return ret;
	for (;;) {
		if (!stat(buf, &st))
			return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
		if (errno != ENOENT)
			return -errno;
		slash = strrchr(buf, '/');
		if (!slash)
			return util_fmt(buf, len, ".");
		if (slash == buf) {
			buf[1] = '\0';
			return 0;
		}
		*slash = '\0';
	}
}

int results_check_dir(const char *dir, bool force)
{
	char anc[PATH_MAX];
	struct stat st;
	int ret;

	if (!stat(dir, &st)) {
		if (!S_ISDIR(st.st_mode)) {
			wgb_err("--out %s: exists and is not a directory", dir);
			return -ENOTDIR;
		}
		ret = dir_has_entries(dir);
		if (ret < 0) {
			wgb_err("--out %s: %s", dir, strerror(-ret));
			return ret;
		}
		if (ret > 0 && !force) {
			wgb_err("--out %s: directory exists and is not empty "
				"(choose another, or --force to write into it)", dir);
			return -EEXIST;
		}
		ret = probe_writable(dir);
		if (ret) {
			wgb_err("--out %s: not writable: %s", dir, strerror(-ret));
			return ret;
		}
		return 0;
	}
	if (errno != ENOENT) {
		ret = -errno;
		wgb_err("--out %s: %s", dir, strerror(errno));
		return ret;
	}
	ret = existing_ancestor(dir, anc, sizeof(anc));
	if (!ret)
		ret = probe_writable(anc);
	if (ret) {
		wgb_err("--out %s: cannot be created (%s: %s)", dir, anc, strerror(-ret));
		return ret;
	}
	return 0;
}

int results_open(const char *dir, bool force, struct results **out)
{
	struct results *r;
	int ret;

	ret = results_check_dir(dir, force);
	if (ret)
		return ret;
	ret = util_mkdir_p(dir, 0755);
	if (ret) {
		wgb_err("--out %s: cannot create: %s", dir, strerror(-ret));
		return ret;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->dir = strdup(dir);
	r->runs = json_object_new_array();
	if (!r->dir || !r->runs) {
		results_free(r);
		return -ENOMEM;
	}
	*out = r;
	return 0;
}

void results_free(struct results *r)
{
	if (!r)
		return;
	json_object_put(r->runs);
	json_object_put(r->skipped);
	free(r->dir);
	free(r);
}

const char *results_dir(const struct results *r)
{
	return r->dir;
}

/* Names become path components: only what variant and scenario names allow. */
static int check_component(const char *s)
{
	size_t i, n = strlen(s);

	if (!n || n > 64 || !strcmp(s, ".") || !strcmp(s, ".."))
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (s[i] == '/' || (unsigned char)s[i] < 0x20)
			return -EINVAL;
	return 0;
}

static int sub_dir(struct results *r, const char *top, const char *variant, const char *scenario,
		   char *buf, size_t len)
{
	int ret;

	if (check_component(variant) || check_component(scenario)) {
		wgb_err("variant '%s' / scenario '%s': not usable as a file name", variant, scenario);
		return -EINVAL;
	}
	ret = util_fmt(buf, len, "%s/%s/%s/%s", r->dir, top, variant, scenario);
	if (!ret)
		ret = util_mkdir_p(buf, 0755);
	if (ret)
		wgb_err("%s: %s", buf, strerror(-ret));
	return ret;
}

int results_write_raw(struct results *r, const char *variant, const char *scenario,
		      unsigned int repeat, unsigned int flow, const char *json, char **rel)
{
	char dir[PATH_MAX], path[PATH_MAX];
	int ret;

	ret = sub_dir(r, "raw", variant, scenario, dir, sizeof(dir));
	if (ret)
		return ret;
	ret = util_fmt(path, sizeof(path), "%s/r%u-f%u.json", dir, repeat, flow);
	if (!ret)
		ret = util_write_file_atomic(path, json, strlen(json));
	if (ret) {
		wgb_err("%s: %s", path, strerror(-ret));
		return ret;
	}
	if (rel && asprintf(rel, "raw/%s/%s/r%u-f%u.json", variant, scenario, repeat, flow) < 0)
		return -ENOMEM;
	return 0;
}

int results_sample_path(struct results *r, const char *variant, const char *scenario,
			unsigned int repeat, char **rel, char **abs)
{
	char dir[PATH_MAX];
	int ret;

	*rel = *abs = NULL;
	ret = sub_dir(r, "samples", variant, scenario, dir, sizeof(dir));
	if (ret)
		return ret;
	if (asprintf(rel, "samples/%s/%s/r%u.csv", variant, scenario, repeat) < 0 ||
	    asprintf(abs, "%s/r%u.csv", dir, repeat) < 0) {
		free(*rel);
		*rel = NULL;
		return -ENOMEM;
	}
	return 0;
}

static int write_json(struct results *r, const char *name, struct json_object *o)
{
	char path[PATH_MAX];
	const char *text;
	int ret;

	ret = util_fmt(path, sizeof(path), "%s/%s", r->dir, name);
	if (ret)
		return ret;
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
					      JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!text)
		return -ENOMEM;
	ret = util_write_file_atomic(path, text, strlen(text));
	if (ret)
		wgb_err("%s: %s", path, strerror(-ret));
	return ret;
}

int results_flush(struct results *r)
{
	struct json_object *doc = json_object_new_object();
	int ret;

	if (!doc)
		return -ENOMEM;
	json_object_object_add(doc, "schema", json_object_new_string(RESULTS_SCHEMA));
	json_object_object_add(doc, "runs", json_object_get(r->runs));
	json_object_object_add(doc, "skipped", json_object_get(r->skipped));
	json_object_object_add(doc, "summary", json_object_new_array());
	ret = write_json(r, "results.json", doc);
	json_object_put(doc);
	return ret;
}

int results_skip_variant(struct results *r, const char *variant, const char *reason)
{
	struct json_object *o = json_object_new_object();

	if (!o || (!r->skipped && !(r->skipped = json_object_new_array()))) {
		json_object_put(o);
		return -ENOMEM;
	}
	json_object_object_add(o, "variant", json_object_new_string(variant));
	json_object_object_add(o, "reason", json_object_new_string(reason));
	json_object_array_add(r->skipped, o);
	return results_flush(r);
}

int results_add_run(struct results *r, struct json_object *entry)
{
	if (json_object_array_add(r->runs, entry)) {
		json_object_put(entry);
		return -ENOMEM;
	}
	return results_flush(r);
}

size_t results_run_count(const struct results *r)
{
	return json_object_array_length(r->runs);
}

int results_write_run_json(struct results *r, struct json_object *run)
{
	return write_json(r, "run.json", run);
}

static char *cpu_model(void)
{
	char *text = NULL, *line, *save = NULL, *model = NULL;

	if (util_read_file("/proc/cpuinfo", &text, NULL))
		return NULL;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':');

		if (colon && !strncmp(line, "model name", 10)) {
			colon++;
			while (*colon == ' ' || *colon == '\t')
				colon++;
			model = strdup(colon);
			break;
		}
	}
	free(text);
	return model;
}

/* /etc/machine-id: what tells two machines apart when their names agree
 * (history keys its series by it); NULL where there is none (a guest). */
static char *machine_id(void)
{
	char *id = NULL;

	if (util_read_file("/etc/machine-id", &id, NULL))
		return NULL;
	id[strcspn(id, " \n")] = '\0';
	if (!*id) {
		free(id);
		return NULL;
	}
	return id;
}

int results_host_json(struct json_object **out)
{
	struct json_object *o = json_object_new_object();
	struct utsname u;
	char *model, *id;

	if (!o)
		return -ENOMEM;
	if (uname(&u)) {
		json_object_put(o);
		return -errno;
	}
	model = cpu_model();
	json_object_object_add(o, "hostname", json_object_new_string(u.nodename));
	json_object_object_add(o, "cpu_model", model ? json_object_new_string(model) : NULL);
	json_object_object_add(o, "cores", json_object_new_int64(sysconf(_SC_NPROCESSORS_ONLN)));
	json_object_object_add(o, "kernel_release", json_object_new_string(u.release));
	json_object_object_add(o, "kernel_version", json_object_new_string(u.version));
	json_object_object_add(o, "machine", json_object_new_string(u.machine));
	id = machine_id();
	json_object_object_add(o, "machine_id", id ? json_object_new_string(id) : NULL);
	free(id);
	free(model);
	*out = o;
	return 0;
}

int results_iso_time(double wall, char *buf, size_t len)
{
	time_t secs = (time_t)wall;
	struct tm tm;
	int ms = (int)((wall - (double)secs) * 1000);

	if (!gmtime_r(&secs, &tm))
		return -EINVAL;
	return util_fmt(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
			tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}
