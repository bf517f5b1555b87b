/* history_impl.h — private to history.c and history_*.c: the store behind
 * history.h as a table of operations (the ipc.h pattern), one row per
 * database, and the schema both share.
 *
 * SQL is written once, with `?` placeholders; a backend that numbers its
 * parameters ($1, $2: libpq) rewrites them. Values cross the table typed
 * (NULL, integer, double, text) so a double comes back bit for bit from either
 * database: SQLite's text form of a REAL keeps 15 digits only.
 */
#ifndef WGB_HISTORY_IMPL_H
#define WGB_HISTORY_IMPL_H

#include <stddef.h>
#include <stdint.h>

enum hval_type { HV_NULL, HV_INT, HV_REAL, HV_TEXT };

struct hval {
	enum hval_type t;
	int64_t i;
	double d;
	const char *s;         /* HV_TEXT; borrowed */
};

/* Constructors for parameter lists; hv_real/hv_text give HV_NULL for NAN/NULL. */
struct hval hv_int(int64_t i);
struct hval hv_real(double d);
struct hval hv_text(const char *s);
/* A result column as a number (NAN for NULL), an integer (0), a string (NULL). */
double hv_num(const struct hval *v);
int64_t hv_i64(const struct hval *v);
const char *hv_str(const struct hval *v);

/* Called once per result row; a non-zero return stops the query with it. */
typedef int (*history_row_fn)(void *arg, const struct hval *cols, size_t n);

struct history_ops {
	const char *name;                 /* "sqlite", "postgresql" */
	const char *id_column;            /* DDL of an auto-numbered primary key */
	const char *begin_write;          /* starts a transaction that will write */
	int (*open)(const char *where, void **db);
	void (*close)(void *db);
	/* One statement; rows (if any) go to fn. 0 or -errno, the database's own
	 * message printed once. */
	int (*exec)(void *db, const char *sql, const struct hval *p, size_t np,
		    history_row_fn fn, void *arg);
	/* Serialises schema changes between processes within the open transaction. */
	int (*lock_schema)(void *db);
};

extern const struct history_ops history_sqlite_ops;
extern const struct history_ops history_pg_ops;

struct history {
	const struct history_ops *ops;
	void *db;
	char *where;                      /* the path or URL, for messages */
	int version;                      /* the schema version after opening */
};

int history_exec(struct history *h, const char *sql, const struct hval *p, size_t np,
		 history_row_fn fn, void *arg);
/* BEGIN (for writing) / COMMIT / ROLLBACK */
int history_begin(struct history *h);
int history_commit(struct history *h);
void history_rollback(struct history *h);

/* history_schema.c: creates the schema or migrates an older one to
 * HISTORY_SCHEMA_VERSION in one transaction; -EPROTO for a newer one. */
#define HISTORY_SCHEMA_VERSION 2
int history_schema_ensure(struct history *h);

#endif
