/* variant_impl.h — what variant_parse.c (files -> struct variant) and
 * variant_apply.c (struct variant -> knobs on a testbed) share: the parsed
 * form of a variant. Private to those two files. */
#ifndef WGB_VARIANT_IMPL_H
#define WGB_VARIANT_IMPL_H

#include "knob.h"

struct variant {
	char name[65];
	char *description;
	char *file;            /* NULL: built in */
	char *text;
	char sha256[65];
	unsigned int tunnels;
	struct knob_entry *e;       /* one per knob of each entry of "set" */
	size_t n, cap;
	size_t n_set;               /* entries of "set" */
};

struct variant_set {
	struct variant *v;
	size_t n;
};

#endif
