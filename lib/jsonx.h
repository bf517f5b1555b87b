/* jsonx.h — the json-c helpers every layer wants, once.
 *
 * Builders return a new object, or NULL — json-c's null — for a value that
 * is not there (a non-finite number, a negative count, a NULL string), so a
 * results file says null instead of a made-up 0. Readers walk "a.b.c" paths
 * of object keys and check the type: a missing step, a null or a value of
 * another type is "not there", never a crash.
 */
#ifndef WGB_JSONX_H
#define WGB_JSONX_H

#include <stdbool.h>

struct json_object;

struct json_object *jsonx_num(double x);           /* NULL unless finite */
struct json_object *jsonx_count(long long x);      /* NULL if negative */
struct json_object *jsonx_str(const char *s);      /* NULL for NULL */

/* The value at path ("a.b.c": object keys), or NULL. */
struct json_object *jsonx_get(struct json_object *o, const char *path);
/* A finite number at path into *out; false when absent, null or not a number. */
bool jsonx_num_at(struct json_object *o, const char *path, double *out);
/* A string at path, or NULL. */
const char *jsonx_str_at(struct json_object *o, const char *path);

#endif
