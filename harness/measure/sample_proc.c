/* sample_proc.c — see sample_proc.h. */
#include "sample_proc.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

static const char *next_line(const char *p)
{
	const char *nl = strchr(p, '\n');

	return nl ? nl + 1 : p + strlen(p);
}

static const char *skip_blank(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* One unsigned number (base 10 or 16) at *p; advances *p. */
static int read_u64(const char **p, int base, uint64_t *out)
{
	const char *s = skip_blank(*p);
	char *end;

	if (!isxdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	*out = strtoull(s, &end, base);
	if (errno || end == s)
		return -EINVAL;
	*p = end;
	return 0;
}

int sample_proc_parse_stat(const char *text, struct sample_proc_stat *out)
{
	const char *p;

	out->n = 0;
	for (p = text; *p; p = next_line(p)) {
		struct sample_proc_cpu *c;
		const char *q;
		uint64_t v[SAMPLE_PROC_CPU_NFIELDS], id;
		int i;

		if (strncmp(p, "cpu", 3) || !isdigit((unsigned char)p[3]))
			continue;
		q = p + 3;
		if (read_u64(&q, 10, &id) || id > 1u << 20)
			return -EINVAL;
		/* user nice system idle iowait irq softirq steal: the order of the file */
		for (i = 0; i < SAMPLE_PROC_CPU_NFIELDS; i++)
			if (read_u64(&q, 10, &v[i])) {
				if (i < 4)   /* very old kernels stop after idle */
					return -EINVAL;
				v[i] = 0;
			}
		if (util_grow(&out->cpus, &out->cap, out->n + 1, sizeof(*out->cpus)))
			return -ENOMEM;
		c = &out->cpus[out->n++];
		c->cpu = (int)id;
		memcpy(c->f, v, sizeof(v));
	}
	return out->n ? 0 : -EINVAL;
}

void sample_proc_stat_release(struct sample_proc_stat *s)
{
	if (!s)
		return;
	free(s->cpus);
	memset(s, 0, sizeof(*s));
}

/* The header "CPU0 CPU1 ..." of softirqs and interrupts: fills cpu[], *n. */
static int parse_cpu_header(const char *line, int **cpu, size_t *cap, size_t *n)
{
	const char *p = line, *end = next_line(line);

	*n = 0;
	for (;;) {
		uint64_t id;

		p = skip_blank(p);
		if (p >= end || strncmp(p, "CPU", 3))
			break;
		p += 3;
		if (read_u64(&p, 10, &id) || id > 1u << 20)
			return -EINVAL;
		if (util_grow(cpu, cap, *n + 1, sizeof(**cpu)))
			return -ENOMEM;
		(*cpu)[(*n)++] = (int)id;
	}
	return *n ? 0 : -EINVAL;
}

static int parse_softirq_row(const char *p, size_t n, uint64_t *vals)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (read_u64(&p, 10, &vals[i]))
			return -EINVAL;
	return 0;
}

int sample_proc_parse_softirqs(const char *text, struct sample_proc_softirqs *out)
{
	size_t n, cap = out->cap, i;
	const char *p;
	int have = 0, ret;

	ret = parse_cpu_header(text, &out->cpu, &cap, &n);
	if (ret)
		return ret;
	/* the three arrays share one capacity */
	if (cap > out->cap) {
		uint64_t *rx, *tx;

		rx = realloc(out->net_rx, cap * sizeof(*rx));
		if (rx)
			out->net_rx = rx;
		tx = realloc(out->net_tx, cap * sizeof(*tx));
		if (tx)
			out->net_tx = tx;
		if (!rx || !tx)
			return -ENOMEM;
		out->cap = cap;
	}
	out->n = n;
	for (i = 0; i < n; i++)
		out->net_rx[i] = out->net_tx[i] = 0;
	for (p = next_line(text); *p; p = next_line(p)) {
		const char *q = skip_blank(p);

		if (!strncmp(q, "NET_RX:", 7)) {
			if (parse_softirq_row(q + 7, n, out->net_rx))
				return -EINVAL;
			have |= 1;
		} else if (!strncmp(q, "NET_TX:", 7)) {
			if (parse_softirq_row(q + 7, n, out->net_tx))
				return -EINVAL;
			have |= 2;
		}
	}
	return have == 3 ? 0 : -EINVAL;
}

void sample_proc_softirqs_release(struct sample_proc_softirqs *s)
{
	if (!s)
		return;
	free(s->cpu);
	free(s->net_rx);
	free(s->net_tx);
	memset(s, 0, sizeof(*s));
}

/* Copy [s, e) into dst with runs of blanks collapsed to one space. */
static void copy_collapsed(char *dst, size_t len, const char *s, const char *e)
{
	size_t o = 0;
	int blank = 0;

	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n'))
		e--;
	for (; s < e && o + 1 < len; s++) {
		if (*s == ' ' || *s == '\t') {
			blank = 1;
			continue;
		}
		if (blank && o + 2 < len)
			dst[o++] = ' ';
		blank = 0;
		dst[o++] = *s;
	}
	dst[o] = '\0';
}

/* For a numbered IRQ the rest reads "CHIP HWIRQ-trigger  action[, action]":
 * the label is what follows the first token ending in -edge/-level. */
static void irq_label(struct sample_proc_irq *irq, const char *s, const char *e)
{
	const char *p = s;

	if (irq->numbered) {
		while (p < e) {
			const char *t = skip_blank(p), *te = t;

			while (te < e && *te != ' ' && *te != '\t' && *te != '\n')
				te++;
			if (te == t)
				break;
			if ((te - t > 5 && !strncasecmp(te - 5, "-edge", 5)) ||
			    (te - t > 6 && !strncasecmp(te - 6, "-level", 6))) {
				copy_collapsed(irq->label, sizeof(irq->label), te, e);
				if (irq->label[0])
					return;
				break;
			}
			p = te;
		}
	}
	copy_collapsed(irq->label, sizeof(irq->label), s, e);
}

static int parse_irq_row(struct sample_proc_interrupts *out, const char *line)
{
	const char *p = skip_blank(line), *colon, *end = next_line(line);
	struct sample_proc_irq *irq;
	uint64_t *vals;
	size_t i, len;

	colon = strchr(p, ':');
	if (!colon || colon >= end)
		return -EINVAL;
	len = (size_t)(colon - p);
	if (!len || len >= sizeof(irq->name))
		return -EINVAL;
	if (util_grow(&out->irq, &out->irq_cap, out->nirq + 1, sizeof(*out->irq)) ||
	    util_grow(&out->count, &out->count_cap, (out->nirq + 1) * out->ncpu, sizeof(*out->count)))
		return -ENOMEM;
	irq = &out->irq[out->nirq];
	memcpy(irq->name, p, len);
	irq->name[len] = '\0';
	irq->numbered = isdigit((unsigned char)irq->name[0]);
	vals = &out->count[out->nirq * out->ncpu];
	p = colon + 1;
	for (i = 0; i < out->ncpu; i++) {
		const char *save = p;

		/* ERR/MIS have one value; a label may start with a digit only
		 * after a non-numeric token, so stop at the first non-number */
		if (read_u64(&p, 10, &vals[i]) || (*p && *p != ' ' && *p != '\n' && *p != '\t')) {
			p = save;
			for (; i < out->ncpu; i++)
				vals[i] = 0;
			break;
		}
	}
	irq_label(irq, p, end);
	out->nirq++;
	return 0;
}

int sample_proc_parse_interrupts(const char *text, struct sample_proc_interrupts *out)
{
	const char *p;
	int ret;

	out->nirq = 0;
	ret = parse_cpu_header(text, &out->cpu, &out->cpu_cap, &out->ncpu);
	if (ret)
		return ret;
	for (p = next_line(text); *p; p = next_line(p)) {
		if (*skip_blank(p) == '\n')
			continue;
		ret = parse_irq_row(out, p);
		if (ret)
			return ret;
	}
	return 0;
}

void sample_proc_interrupts_release(struct sample_proc_interrupts *s)
{
	if (!s)
		return;
	free(s->cpu);
	free(s->irq);
	free(s->count);
	memset(s, 0, sizeof(*s));
}

int sample_proc_parse_softnet(const char *text, struct sample_proc_softnet *out)
{
	const char *p;
	size_t line = 0;

	out->n = 0;
	for (p = text; *p; p = next_line(p), line++) {
		struct sample_proc_softnet_cpu *c;
		uint64_t v[13];
		const char *q = p;
		int i, nv = 0;

		if (*skip_blank(p) == '\n')
			continue;
		for (i = 0; i < 13; i++) {
			if (read_u64(&q, 16, &v[i]))
				break;
			nv++;
		}
		if (nv < 3)
			return -EINVAL;
		if (util_grow(&out->cpus, &out->cap, out->n + 1, sizeof(*out->cpus)))
			return -ENOMEM;
		c = &out->cpus[out->n++];
		c->cpu = nv >= 13 ? (int)v[12] : (int)line;
		c->processed = v[0];
		c->dropped = v[1];
		c->squeezed = v[2];
	}
	return out->n ? 0 : -EINVAL;
}

void sample_proc_softnet_release(struct sample_proc_softnet *s)
{
	if (!s)
		return;
	free(s->cpus);
	memset(s, 0, sizeof(*s));
}

void sample_proc_kvs_reset(struct sample_proc_kvs *k)
{
	k->n = 0;
}

/* One pair: header line h ("Udp: A B C"), value line v ("Udp: 1 2 3"). */
static int parse_kv_pair(const char *h, const char *v, struct sample_proc_kvs *out)
{
	const char *hc = strchr(h, ':'), *vc = strchr(v, ':');
	const char *he = next_line(h), *ve = next_line(v), *prefix = h;
	size_t plen;

	if (!hc || !vc || hc > he || vc > ve || hc - h != vc - v || strncmp(h, v, (size_t)(hc - h)))
		return -EINVAL;
	plen = (size_t)(hc - h);
	h = hc + 1;
	v = vc + 1;
	for (;;) {
		const char *k = skip_blank(h), *ke = k;
		struct sample_proc_kv *kv;
		long long val;
		char *end;

		while (ke < he && *ke != ' ' && *ke != '\n' && *ke != '\t')
			ke++;
		if (ke == k)
			break;
		v = skip_blank(v);
		errno = 0;
		val = strtoll(v, &end, 10);
		if (end == v || errno || end > ve)
			return -EINVAL;
		if (util_grow(&out->kv, &out->cap, out->n + 1, sizeof(*out->kv)))
			return -ENOMEM;
		kv = &out->kv[out->n];
		if (plen + 1 + (size_t)(ke - k) >= sizeof(kv->key))
			goto next;   /* a key too long to keep is skipped */
		memcpy(kv->key, prefix, plen);
		kv->key[plen] = '.';
		memcpy(kv->key + plen + 1, k, (size_t)(ke - k));
		kv->key[plen + 1 + (ke - k)] = '\0';
		kv->val = val;
		out->n++;
next:
		h = ke;
		v = end;
	}
	return 0;
}

int sample_proc_parse_kv(const char *text, struct sample_proc_kvs *out)
{
	const char *p = text;

	while (*p) {
		const char *v = next_line(p);
		int ret;

		if (*p == '\n') {
			p = v;
			continue;
		}
		if (!*v)
			return -EINVAL;
		ret = parse_kv_pair(p, v, out);
		if (ret)
			return ret;
		p = next_line(v);
	}
	return 0;
}

int sample_proc_kv_add(struct sample_proc_kvs *k, const char *key, int64_t val)
{
	if (strlen(key) >= sizeof(k->kv[0].key))
		return -EINVAL;
	if (util_grow(&k->kv, &k->cap, k->n + 1, sizeof(*k->kv)))
		return -ENOMEM;
	snprintf(k->kv[k->n].key, sizeof(k->kv[k->n].key), "%s", key);
	k->kv[k->n++].val = val;
	return 0;
}

long sample_proc_kv_find(const struct sample_proc_kvs *k, const char *key, long hint)
{
	size_t i;

	if (hint >= 0 && (size_t)hint < k->n && !strcmp(k->kv[hint].key, key))
		return hint;
	for (i = 0; i < k->n; i++)
		if (!strcmp(k->kv[i].key, key))
			return (long)i;
	return -1;
}

void sample_proc_kvs_release(struct sample_proc_kvs *k)
{
	if (!k)
		return;
	free(k->kv);
	memset(k, 0, sizeof(*k));
}

int sample_proc_parse_pid(const char *text, struct sample_proc_pid *out)
{
	const char *open = strchr(text, '('), *close = strrchr(text, ')'), *p;
	uint64_t v[23];
	size_t len;
	int field;

	/* comm may hold spaces and parentheses: it ends at the last ')' */
	if (!open || !close || close < open)
		return -EINVAL;
	len = (size_t)(close - open - 1);
	if (len >= sizeof(out->comm))
		len = sizeof(out->comm) - 1;
	memcpy(out->comm, open + 1, len);
	out->comm[len] = '\0';
	p = skip_blank(close + 1);
	if (!*p || *p == '\n')
		return -EINVAL;
	out->state = *p++;
	for (field = 4; field <= 22; field++) {
		const char *s = skip_blank(p);
		char *end;
		long long x;

		errno = 0;
		x = strtoll(s, &end, 10);
		if (end == s || errno || (*end && *end != ' ' && *end != '\n'))
			return -EINVAL;
		/* ppid, tty, tpgid may be 0 or -1; ticks never negative */
		if (x < 0 && field != 7 && field != 8)
			return -EINVAL;
		v[field] = (uint64_t)x;
		p = end;
	}
	out->ppid = (int)v[4];
	out->flags = (unsigned int)v[9];
	out->utime = v[14];
	out->stime = v[15];
	out->cutime = v[16];
	out->cstime = v[17];
	out->starttime = v[22];
	return 0;
}

int sample_proc_parse_pid_stat(const char *text, char *comm, size_t comm_len,
			 uint64_t *utime, uint64_t *stime)
{
	struct sample_proc_pid x;
	int ret = sample_proc_parse_pid(text, &x);

	if (ret)
		return ret;
	if (comm && comm_len)
		snprintf(comm, comm_len, "%s", x.comm);
	*utime = x.utime;
	*stime = x.stime;
	return 0;
}

int sample_proc_delta(uint64_t prev, uint64_t cur, unsigned int bits, uint64_t *out)
{
	if (cur >= prev) {
		*out = cur - prev;
		return 0;
	}
	if (bits == 32 && prev <= UINT32_MAX) {
		*out = cur + ((uint64_t)1 << 32) - prev;
		return 0;
	}
	return -ERANGE;
}
