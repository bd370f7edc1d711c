/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Command lines from a table (lib/lib.h, struct args_opt): getopt_long's arrays are built
 * from the table at each call, values are stored by type at the table's offsets, and help
 * is printed from the same entries, so parsing and --help cannot drift apart. Used by
 * hutch-runtime and hutch-monitor (the CLI has tool/commands.c).
 */
#include "lib/lib.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

/* getopt_long's val for table entry i; above every short option character. */
#define ARGS_VAL_BASE 256

static bool takes_arg(enum args_type t)
{
	return t == ARGS_STR || t == ARGS_STRV || t == ARGS_FN || t == ARGS_SKIP_ARG;
}

static size_t count(const struct args_opt *opts)
{
	size_t n = 0;
	while (opts[n].name != NULL)
		n++;
	return n;
}

/* Entry i for getopt's answer c: a table value, or a short option looked up. */
static const struct args_opt *entry(const struct args_opt *opts, size_t n, int c)
{
	if (c >= ARGS_VAL_BASE && (size_t)(c - ARGS_VAL_BASE) < n)
		return &opts[c - ARGS_VAL_BASE];
	for (size_t i = 0; i < n; i++)
		if (opts[i].short_name != 0 && opts[i].short_name == c)
			return &opts[i];
	return NULL;
}

static int store(const struct args_opt *o, void *dst, const char *arg, const char *word,
		 struct error **err)
{
	void *field = (char *)dst + o->off;
	switch (o->type) {
	case ARGS_FLAG:
		*(bool *)field = true;
		return 0;
	case ARGS_STR:
		*(const char **)field = arg;
		return 0;
	case ARGS_STRV:
		strv_push((char ***)field, arg);
		return 0;
	case ARGS_FN:
		return o->fn(field, arg, word, err);
	case ARGS_SKIP:
	case ARGS_SKIP_ARG:
	case ARGS_STOP:
		return 0;
	}
	return 0;
}

int args_parse(const struct args_opt *opts, int argc, char **argv, void *dst, struct args_result *r,
	       struct error **err)
{
	size_t n = count(opts);
	autofree struct option *longs = xcalloc(n + 1, sizeof(*longs));
	/* "+": stop at the first operand; two characters at most per short option. */
	autofree char *shorts = xcalloc(2 * n + 2, 1);
	size_t k = 0;
	shorts[k++] = '+';
	for (size_t i = 0; i < n; i++) {
		bool has_arg = takes_arg(opts[i].type);
		longs[i] = (struct option){ opts[i].name, has_arg ? required_argument : no_argument,
					    NULL, ARGS_VAL_BASE + (int)i };
		if (opts[i].short_name != 0) {
			shorts[k++] = opts[i].short_name;
			if (has_arg)
				shorts[k++] = ':';
		}
	}
	*r = (struct args_result){ 0 };
	/* 0, not 1: glibc then starts afresh (a second parse, of a command's options). */
	optind = 0;
	int c;
	while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		const struct args_opt *o = entry(opts, n, c);
		const char *word = argv[optind - 1];
		if (o == NULL) {
			r->bad = word;
			return err_set(err, EINVAL, ERR_USAGE, "unknown option %s", word);
		}
		if (store(o, dst, optarg, word, err) < 0)
			return -1;
		if (o->type == ARGS_STOP) {
			r->stop = o;
			break;
		}
	}
	r->first = optind;
	return 0;
}

void args_help(FILE *f, const struct args_opt *opts)
{
	for (size_t i = 0; opts[i].name != NULL; i++) {
		const struct args_opt *o = &opts[i];
		if (o->help == NULL)
			continue;
		char head[64];
		if (o->short_name != 0)
			snprintf(head, sizeof(head), "-%c, --%s%s%s", o->short_name, o->name,
				 o->arg ? " " : "", o->arg ? o->arg : "");
		else
			snprintf(head, sizeof(head), "    --%s%s%s", o->name, o->arg ? " " : "",
				 o->arg ? o->arg : "");
		fprintf(f, "   %-32s %s\n", head, o->help);
	}
}
