/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libarchive, loaded on first use (layer unpack, save/load, import/export, cp). Linked
 * directly, libarchive and what it pulls in (libxml2, ICU) cost every hutch command more
 * than a millisecond of dynamic loading. These functions stand in for libarchive's own,
 * with its prototypes: the first call dlopens libarchive.so.13 (pthread_once: pull unpacks
 * in threads) and each forwards to the real one. Generated from archive.h for the
 * functions hutch uses; a new one needs an entry here (the link fails until it has one).
 */
#include <archive.h>
#include <archive_entry.h>

#include "lib/lib.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <unistd.h>

static struct {
	time_t (*entry_atime)(struct archive_entry *);
	int (*entry_atime_is_set)(struct archive_entry *);
	long (*entry_atime_nsec)(struct archive_entry *);
	void (*entry_copy_stat)(struct archive_entry *, const struct stat *);
	__LA_MODE_T (*entry_filetype)(struct archive_entry *);
	void (*entry_free)(struct archive_entry *);
	la_int64_t (*entry_gid)(struct archive_entry *);
	const char *(*entry_hardlink)(struct archive_entry *);
	__LA_MODE_T (*entry_mode)(struct archive_entry *);
	time_t (*entry_mtime)(struct archive_entry *);
	long (*entry_mtime_nsec)(struct archive_entry *);
	struct archive_entry *(*entry_new)(void);
	const char *(*entry_pathname)(struct archive_entry *);
	__LA_MODE_T (*entry_perm)(struct archive_entry *);
	dev_t (*entry_rdev)(struct archive_entry *);
	dev_t (*entry_rdevmajor)(struct archive_entry *);
	dev_t (*entry_rdevminor)(struct archive_entry *);
	void (*entry_set_atime)(struct archive_entry *, time_t, long);
	void (*entry_set_filetype)(struct archive_entry *, unsigned int);
	void (*entry_set_gid)(struct archive_entry *, la_int64_t);
	void (*entry_set_hardlink)(struct archive_entry *, const char *);
	void (*entry_set_mtime)(struct archive_entry *, time_t, long);
	void (*entry_set_pathname)(struct archive_entry *, const char *);
	void (*entry_set_perm)(struct archive_entry *, __LA_MODE_T);
	void (*entry_set_size)(struct archive_entry *, la_int64_t);
	void (*entry_set_symlink)(struct archive_entry *, const char *);
	void (*entry_set_uid)(struct archive_entry *, la_int64_t);
	la_int64_t (*entry_size)(struct archive_entry *);
	const char *(*entry_symlink)(struct archive_entry *);
	la_int64_t (*entry_uid)(struct archive_entry *);
	void (*entry_unset_atime)(struct archive_entry *);
	void (*entry_unset_ctime)(struct archive_entry *);
	void (*entry_xattr_add_entry)(struct archive_entry *, const char *, const void *, size_t);
	int (*entry_xattr_next)(struct archive_entry *, const char **, const void **, size_t *);
	int (*entry_xattr_reset)(struct archive_entry *);
	int (*errno)(struct archive *);
	const char *(*error_string)(struct archive *);
	la_ssize_t (*read_data)(struct archive *, void *, size_t);
	int (*read_data_block)(struct archive *a, const void **, size_t *, la_int64_t *);
	int (*read_data_into_fd)(struct archive *, int);
	int (*read_free)(struct archive *);
	struct archive *(*read_new)(void);
	int (*read_next_header)(struct archive *, struct archive_entry **);
	int (*read_open)(struct archive *, void *, archive_open_callback *, archive_read_callback *,
			 archive_close_callback *);
	int (*read_open_fd)(struct archive *, int, size_t);
	int (*read_support_filter_all)(struct archive *);
	int (*read_support_filter_gzip)(struct archive *);
	int (*read_support_filter_xz)(struct archive *);
	int (*read_support_filter_zstd)(struct archive *);
	int (*read_support_format_gnutar)(struct archive *);
	int (*read_support_format_raw)(struct archive *);
	int (*read_support_format_tar)(struct archive *);
	int (*write_add_filter_gzip)(struct archive *);
	int (*write_close)(struct archive *);
	la_ssize_t (*write_data)(struct archive *, const void *, size_t);
	int (*write_free)(struct archive *);
	int (*write_header)(struct archive *, struct archive_entry *);
	struct archive *(*write_new)(void);
	int (*write_open)(struct archive *, void *, archive_open_callback *,
			  archive_write_callback *, archive_close_callback *);
	int (*write_open_fd)(struct archive *, int);
	int (*write_set_bytes_in_last_block)(struct archive *, int);
	int (*write_set_format_pax_restricted)(struct archive *);
	int (*write_set_format_raw)(struct archive *);
	void (*set_error)(struct archive *, int, const char *, ...);
} fn;

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void)
{
	void *lib = dlopen("libarchive.so.13", RTLD_NOW | RTLD_LOCAL);
#define LOAD(field, name) \
	*(void **)&fn.field = lazy_symbol(lib, "libarchive.so.13", name, "libarchive13")
	LOAD(entry_atime, "archive_entry_atime");
	LOAD(entry_atime_is_set, "archive_entry_atime_is_set");
	LOAD(entry_atime_nsec, "archive_entry_atime_nsec");
	LOAD(entry_copy_stat, "archive_entry_copy_stat");
	LOAD(entry_filetype, "archive_entry_filetype");
	LOAD(entry_free, "archive_entry_free");
	LOAD(entry_gid, "archive_entry_gid");
	LOAD(entry_hardlink, "archive_entry_hardlink");
	LOAD(entry_mode, "archive_entry_mode");
	LOAD(entry_mtime, "archive_entry_mtime");
	LOAD(entry_mtime_nsec, "archive_entry_mtime_nsec");
	LOAD(entry_new, "archive_entry_new");
	LOAD(entry_pathname, "archive_entry_pathname");
	LOAD(entry_perm, "archive_entry_perm");
	LOAD(entry_rdev, "archive_entry_rdev");
	LOAD(entry_rdevmajor, "archive_entry_rdevmajor");
	LOAD(entry_rdevminor, "archive_entry_rdevminor");
	LOAD(entry_set_atime, "archive_entry_set_atime");
	LOAD(entry_set_filetype, "archive_entry_set_filetype");
	LOAD(entry_set_gid, "archive_entry_set_gid");
	LOAD(entry_set_hardlink, "archive_entry_set_hardlink");
	LOAD(entry_set_mtime, "archive_entry_set_mtime");
	LOAD(entry_set_pathname, "archive_entry_set_pathname");
	LOAD(entry_set_perm, "archive_entry_set_perm");
	LOAD(entry_set_size, "archive_entry_set_size");
	LOAD(entry_set_symlink, "archive_entry_set_symlink");
	LOAD(entry_set_uid, "archive_entry_set_uid");
	LOAD(entry_size, "archive_entry_size");
	LOAD(entry_symlink, "archive_entry_symlink");
	LOAD(entry_uid, "archive_entry_uid");
	LOAD(entry_unset_atime, "archive_entry_unset_atime");
	LOAD(entry_unset_ctime, "archive_entry_unset_ctime");
	LOAD(entry_xattr_add_entry, "archive_entry_xattr_add_entry");
	LOAD(entry_xattr_next, "archive_entry_xattr_next");
	LOAD(entry_xattr_reset, "archive_entry_xattr_reset");
	LOAD(errno, "archive_errno");
	LOAD(error_string, "archive_error_string");
	LOAD(read_data, "archive_read_data");
	LOAD(read_data_block, "archive_read_data_block");
	LOAD(read_data_into_fd, "archive_read_data_into_fd");
	LOAD(read_free, "archive_read_free");
	LOAD(read_new, "archive_read_new");
	LOAD(read_next_header, "archive_read_next_header");
	LOAD(read_open, "archive_read_open");
	LOAD(read_open_fd, "archive_read_open_fd");
	LOAD(read_support_filter_all, "archive_read_support_filter_all");
	LOAD(read_support_filter_gzip, "archive_read_support_filter_gzip");
	LOAD(read_support_filter_xz, "archive_read_support_filter_xz");
	LOAD(read_support_filter_zstd, "archive_read_support_filter_zstd");
	LOAD(read_support_format_gnutar, "archive_read_support_format_gnutar");
	LOAD(read_support_format_raw, "archive_read_support_format_raw");
	LOAD(read_support_format_tar, "archive_read_support_format_tar");
	LOAD(write_add_filter_gzip, "archive_write_add_filter_gzip");
	LOAD(write_close, "archive_write_close");
	LOAD(write_data, "archive_write_data");
	LOAD(write_free, "archive_write_free");
	LOAD(write_header, "archive_write_header");
	LOAD(write_new, "archive_write_new");
	LOAD(write_open, "archive_write_open");
	LOAD(write_open_fd, "archive_write_open_fd");
	LOAD(write_set_bytes_in_last_block, "archive_write_set_bytes_in_last_block");
	LOAD(write_set_format_pax_restricted, "archive_write_set_format_pax_restricted");
	LOAD(write_set_format_raw, "archive_write_set_format_raw");
	LOAD(set_error, "archive_set_error");
#undef LOAD
}

#define READY() pthread_once(&once, load)

time_t archive_entry_atime(struct archive_entry *a0)
{
	READY();
	return fn.entry_atime(a0);
}

int archive_entry_atime_is_set(struct archive_entry *a0)
{
	READY();
	return fn.entry_atime_is_set(a0);
}

long archive_entry_atime_nsec(struct archive_entry *a0)
{
	READY();
	return fn.entry_atime_nsec(a0);
}

void archive_entry_copy_stat(struct archive_entry *a0, const struct stat *a1)
{
	READY();
	fn.entry_copy_stat(a0, a1);
}

__LA_MODE_T archive_entry_filetype(struct archive_entry *a0)
{
	READY();
	return fn.entry_filetype(a0);
}

void archive_entry_free(struct archive_entry *a0)
{
	READY();
	fn.entry_free(a0);
}

la_int64_t archive_entry_gid(struct archive_entry *a0)
{
	READY();
	return fn.entry_gid(a0);
}

const char *archive_entry_hardlink(struct archive_entry *a0)
{
	READY();
	return fn.entry_hardlink(a0);
}

__LA_MODE_T archive_entry_mode(struct archive_entry *a0)
{
	READY();
	return fn.entry_mode(a0);
}

time_t archive_entry_mtime(struct archive_entry *a0)
{
	READY();
	return fn.entry_mtime(a0);
}

long archive_entry_mtime_nsec(struct archive_entry *a0)
{
	READY();
	return fn.entry_mtime_nsec(a0);
}

struct archive_entry *archive_entry_new(void)
{
	READY();
	return fn.entry_new();
}

const char *archive_entry_pathname(struct archive_entry *a0)
{
	READY();
	return fn.entry_pathname(a0);
}

__LA_MODE_T archive_entry_perm(struct archive_entry *a0)
{
	READY();
	return fn.entry_perm(a0);
}

dev_t archive_entry_rdev(struct archive_entry *a0)
{
	READY();
	return fn.entry_rdev(a0);
}

dev_t archive_entry_rdevmajor(struct archive_entry *a0)
{
	READY();
	return fn.entry_rdevmajor(a0);
}

dev_t archive_entry_rdevminor(struct archive_entry *a0)
{
	READY();
	return fn.entry_rdevminor(a0);
}

void archive_entry_set_atime(struct archive_entry *a0, time_t a1, long a2)
{
	READY();
	fn.entry_set_atime(a0, a1, a2);
}

void archive_entry_set_filetype(struct archive_entry *a0, unsigned int a1)
{
	READY();
	fn.entry_set_filetype(a0, a1);
}

void archive_entry_set_gid(struct archive_entry *a0, la_int64_t a1)
{
	READY();
	fn.entry_set_gid(a0, a1);
}

void archive_entry_set_hardlink(struct archive_entry *a0, const char *a1)
{
	READY();
	fn.entry_set_hardlink(a0, a1);
}

void archive_entry_set_mtime(struct archive_entry *a0, time_t a1, long a2)
{
	READY();
	fn.entry_set_mtime(a0, a1, a2);
}

void archive_entry_set_pathname(struct archive_entry *a0, const char *a1)
{
	READY();
	fn.entry_set_pathname(a0, a1);
}

void archive_entry_set_perm(struct archive_entry *a0, __LA_MODE_T a1)
{
	READY();
	fn.entry_set_perm(a0, a1);
}

void archive_entry_set_size(struct archive_entry *a0, la_int64_t a1)
{
	READY();
	fn.entry_set_size(a0, a1);
}

void archive_entry_set_symlink(struct archive_entry *a0, const char *a1)
{
	READY();
	fn.entry_set_symlink(a0, a1);
}

void archive_entry_set_uid(struct archive_entry *a0, la_int64_t a1)
{
	READY();
	fn.entry_set_uid(a0, a1);
}

la_int64_t archive_entry_size(struct archive_entry *a0)
{
	READY();
	return fn.entry_size(a0);
}

const char *archive_entry_symlink(struct archive_entry *a0)
{
	READY();
	return fn.entry_symlink(a0);
}

la_int64_t archive_entry_uid(struct archive_entry *a0)
{
	READY();
	return fn.entry_uid(a0);
}

void archive_entry_unset_atime(struct archive_entry *a0)
{
	READY();
	fn.entry_unset_atime(a0);
}

void archive_entry_unset_ctime(struct archive_entry *a0)
{
	READY();
	fn.entry_unset_ctime(a0);
}

void archive_entry_xattr_add_entry(struct archive_entry *a0, const char *a1, const void *a2,
				   size_t a3)
{
	READY();
	fn.entry_xattr_add_entry(a0, a1, a2, a3);
}

int archive_entry_xattr_next(struct archive_entry *a0, const char **a1, const void **a2, size_t *a3)
{
	READY();
	return fn.entry_xattr_next(a0, a1, a2, a3);
}

int archive_entry_xattr_reset(struct archive_entry *a0)
{
	READY();
	return fn.entry_xattr_reset(a0);
}

int archive_errno(struct archive *a0)
{
	READY();
	return fn.errno(a0);
}

const char *archive_error_string(struct archive *a0)
{
	READY();
	return fn.error_string(a0);
}

la_ssize_t archive_read_data(struct archive *a0, void *a1, size_t a2)
{
	READY();
	return fn.read_data(a0, a1, a2);
}

int archive_read_data_block(struct archive *a0, const void **a1, size_t *a2, la_int64_t *a3)
{
	READY();
	return fn.read_data_block(a0, a1, a2, a3);
}

int archive_read_data_into_fd(struct archive *a0, int a1)
{
	READY();
	return fn.read_data_into_fd(a0, a1);
}

int archive_read_free(struct archive *a0)
{
	READY();
	return fn.read_free(a0);
}

struct archive *archive_read_new(void)
{
	READY();
	return fn.read_new();
}

int archive_read_next_header(struct archive *a0, struct archive_entry **a1)
{
	READY();
	return fn.read_next_header(a0, a1);
}

int archive_read_open(struct archive *a0, void *a1, archive_open_callback *a2,
		      archive_read_callback *a3, archive_close_callback *a4)
{
	READY();
	return fn.read_open(a0, a1, a2, a3, a4);
}

int archive_read_open_fd(struct archive *a0, int a1, size_t a2)
{
	READY();
	return fn.read_open_fd(a0, a1, a2);
}

int archive_read_support_filter_all(struct archive *a0)
{
	READY();
	return fn.read_support_filter_all(a0);
}

int archive_read_support_filter_gzip(struct archive *a0)
{
	READY();
	return fn.read_support_filter_gzip(a0);
}

int archive_read_support_filter_xz(struct archive *a0)
{
	READY();
	return fn.read_support_filter_xz(a0);
}

int archive_read_support_filter_zstd(struct archive *a0)
{
	READY();
	return fn.read_support_filter_zstd(a0);
}

int archive_read_support_format_gnutar(struct archive *a0)
{
	READY();
	return fn.read_support_format_gnutar(a0);
}

int archive_read_support_format_raw(struct archive *a0)
{
	READY();
	return fn.read_support_format_raw(a0);
}

int archive_read_support_format_tar(struct archive *a0)
{
	READY();
	return fn.read_support_format_tar(a0);
}

int archive_write_add_filter_gzip(struct archive *a0)
{
	READY();
	return fn.write_add_filter_gzip(a0);
}

int archive_write_close(struct archive *a0)
{
	READY();
	return fn.write_close(a0);
}

la_ssize_t archive_write_data(struct archive *a0, const void *a1, size_t a2)
{
	READY();
	return fn.write_data(a0, a1, a2);
}

int archive_write_free(struct archive *a0)
{
	READY();
	return fn.write_free(a0);
}

int archive_write_header(struct archive *a0, struct archive_entry *a1)
{
	READY();
	return fn.write_header(a0, a1);
}

struct archive *archive_write_new(void)
{
	READY();
	return fn.write_new();
}

int archive_write_open(struct archive *a0, void *a1, archive_open_callback *a2,
		       archive_write_callback *a3, archive_close_callback *a4)
{
	READY();
	return fn.write_open(a0, a1, a2, a3, a4);
}

int archive_write_open_fd(struct archive *a0, int a1)
{
	READY();
	return fn.write_open_fd(a0, a1);
}

int archive_write_set_bytes_in_last_block(struct archive *a0, int a1)
{
	READY();
	return fn.write_set_bytes_in_last_block(a0, a1);
}

int archive_write_set_format_pax_restricted(struct archive *a0)
{
	READY();
	return fn.write_set_format_pax_restricted(a0);
}

int archive_write_set_format_raw(struct archive *a0)
{
	READY();
	return fn.write_set_format_raw(a0);
}

void archive_set_error(struct archive *a, int code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	READY();
	fn.set_error(a, code, "%s", msg);
}
