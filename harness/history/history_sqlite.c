/* history_sqlite.c — the SQLite row of history_ops: a file, WAL (readers
 * never block the writer), a busy timeout, and writers that take the write
 * lock when their transaction begins (BEGIN IMMEDIATE): a deferred
 * transaction that reads first and then writes cannot wait for the lock and
 * fails with SQLITE_BUSY at once, which is how two writers lose a run. */
#include "history_impl.h"
#include "util.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define SQLITE_BUSY_MS 30000

static int sqlite_errno(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_READONLY:
		return -EROFS;
	case SQLITE_CANTOPEN:
		return -ENOENT;
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return -EACCES;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		return -EPROTO;
	default:
		return -EIO;
	}
}

static int sqlite_exec(void *db, const char *sql, const struct hval *p, size_t np,
		       history_row_fn fn, void *arg);

/* Switching a new file to WAL takes the exclusive lock and SQLite does not
 * call the busy handler for it when another connection is switching the same
 * file at that moment (two runs creating one store): wait here instead, as
 * long as the busy timeout. The mode is kept in the file, so this races only
 * at creation. journal_mode answers with a row: the mode really in force. */
static int sqlite_wal(sqlite3 *db)
{
	struct timespec pause = { 0, 10 * 1000 * 1000 };
	int rc, waited_ms = 0;

	for (;;) {
		rc = sqlite3_exec(db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
		if ((rc & 0xff) != SQLITE_BUSY || waited_ms >= SQLITE_BUSY_MS)
			break;
		nanosleep(&pause, NULL);
		waited_ms += 10;
	}
	if (rc == SQLITE_OK)
		return 0;
	wgb_err("history: sqlite: %s (in: PRAGMA journal_mode=WAL)", sqlite3_errmsg(db));
	return sqlite_errno(rc);
}

static int sqlite_open(const char *where, void **out)
{
	sqlite3 *db = NULL;
	int rc, ret;

	rc = sqlite3_open_v2(where, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			     SQLITE_OPEN_FULLMUTEX, NULL);
	if (rc != SQLITE_OK) {
		wgb_err("history: %s: %s", where, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		ret = sqlite_errno(rc);
		goto fail;
	}
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, SQLITE_BUSY_MS);
	if ((ret = sqlite_wal(db)) ||
	    (ret = sqlite_exec(db, "PRAGMA synchronous=NORMAL", NULL, 0, NULL, NULL)))
		goto fail;
	*out = db;
	return 0;
fail:
	sqlite3_close(db);
	return ret;
}

static void sqlite_close(void *db)
{
	sqlite3_close(db);
}

static int bind_all(sqlite3_stmt *st, const struct hval *p, size_t np)
{
	size_t i;
	int rc = SQLITE_OK;

	for (i = 0; i < np && rc == SQLITE_OK; i++) {
		int k = (int)i + 1;

		switch (p[i].t) {
		case HV_NULL:
			rc = sqlite3_bind_null(st, k);
			break;
		case HV_INT:
			rc = sqlite3_bind_int64(st, k, p[i].i);
			break;
		case HV_REAL:
			rc = sqlite3_bind_double(st, k, p[i].d);
			break;
		case HV_TEXT:
			rc = sqlite3_bind_text(st, k, p[i].s, -1, SQLITE_STATIC);
			break;
		}
	}
	return rc;
}

static int deliver(sqlite3_stmt *st, history_row_fn fn, void *arg)
{
	struct hval cols[64];
	int i, n = sqlite3_column_count(st);

	if (n > (int)ARRAY_SIZE(cols))
		return -E2BIG;
	for (i = 0; i < n; i++) {
		memset(&cols[i], 0, sizeof(cols[i]));
		switch (sqlite3_column_type(st, i)) {
		case SQLITE_INTEGER:
			cols[i].t = HV_INT;
			cols[i].i = sqlite3_column_int64(st, i);
			cols[i].d = (double)cols[i].i;
			break;
		case SQLITE_FLOAT:
			cols[i].t = HV_REAL;
			cols[i].d = sqlite3_column_double(st, i);
			break;
		case SQLITE_NULL:
			cols[i].t = HV_NULL;
			break;
		default:
			cols[i].t = HV_TEXT;
			cols[i].s = (const char *)sqlite3_column_text(st, i);
			break;
		}
	}
	return fn(arg, cols, (size_t)n);
}

static int sqlite_exec(void *vdb, const char *sql, const struct hval *p, size_t np,
		       history_row_fn fn, void *arg)
{
	sqlite3 *db = vdb;
	sqlite3_stmt *st = NULL;
	int rc, ret = 0;

	rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = bind_all(st, p, np);
	while (rc == SQLITE_OK || rc == SQLITE_ROW) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW && fn && (ret = deliver(st, fn, arg)))
			goto out;
	}
	if (rc != SQLITE_DONE) {
		wgb_err("history: sqlite: %s (in: %.60s)", sqlite3_errmsg(db), sql);
		ret = sqlite_errno(rc);
	}
out:
	sqlite3_finalize(st);
	return ret;
}

/* BEGIN IMMEDIATE already holds the one write lock. */
static int sqlite_lock_schema(void *db)
{
	return 0;
}

const struct history_ops history_sqlite_ops = {
	.name = "sqlite",
	.id_column = "id INTEGER PRIMARY KEY AUTOINCREMENT",
	.begin_write = "BEGIN IMMEDIATE",
	.open = sqlite_open,
	.close = sqlite_close,
	.exec = sqlite_exec,
	.lock_schema = sqlite_lock_schema,
};
