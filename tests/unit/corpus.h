/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bad-input corpora (STYLE.md B9): tests/data/bad/<parser>/ holds one input per file, and
 * every parser must refuse every file of its corpus with an error that has a message.
 * Header-only, next to tap.h; a test includes both.
 */
#pragma once

#include "lib/lib.h"
#include "tests/unit/tap.h"

/* A parser under test: 0 when it accepts spec, -1 with *err set when it refuses it. */
typedef int (*corpus_parse_fn)(const char *spec, struct error **err);

/* Run parse over every file in dir (trailing newline dropped); one TAP line per file. */
static inline void corpus_run(const char *dir, corpus_parse_fn parse, int min_files)
{
	autoclosedir DIR *d = opendir(dir);
	ok(d != NULL, "corpus %s exists", dir);
	int n = 0;
	for (struct dirent *de; d != NULL && (de = readdir(d)) != NULL;) {
		if (de->d_name[0] == '.')
			continue;
		autofree char *path = xasprintf("%s/%s", dir, de->d_name);
		autofree char *spec = NULL;
		struct error *err = NULL;
		if (fs_read_file(path, 1 << 20, &spec, NULL, &err) < 0) {
			ok(0, "read %s: %s", path, err->msg);
			err_free(&err);
			continue;
		}
		spec[strcspn(spec, "\n")] = '\0';
		int rc = parse(spec, &err);
		ok(rc == -1 && err != NULL && err->msg != NULL && *err->msg != '\0',
		   "corpus %s (\"%s\") fails: %s", de->d_name, spec, err ? err->msg : "accepted!");
		err_free(&err);
		n++;
	}
	ok(n >= min_files, "the corpus %s has %d inputs", dir, n);
}

/* A check of one corpus file: its name, path and whole text (NUL-terminated, len bytes). */
typedef void (*corpus_file_fn)(const char *name, const char *path, const char *text, size_t len,
			       void *arg);

/* fn over every file of dir in name order, dot files aside; how many there were. */
static inline int corpus_each(const char *dir, corpus_file_fn fn, void *arg)
{
	struct dirent **list = NULL;
	int n = scandir(dir, &list, NULL, alphasort), files = 0;
	for (int i = 0; i < n; i++) {
		if (list[i]->d_name[0] != '.') {
			autofree char *path = xasprintf("%s/%s", dir, list[i]->d_name);
			autofree char *text = NULL;
			size_t len = 0;
			fs_read_file(path, 1 << 20, &text, &len, NULL);
			fn(list[i]->d_name, path, text ? text : "", text ? len : 0, arg);
			files++;
		}
		free(list[i]);
	}
	free(list);
	return files;
}
