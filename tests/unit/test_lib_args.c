/* SPDX-License-Identifier: Apache-2.0 */
/* lib/args.c: option tables as hutch-runtime and hutch-monitor use them (types, stopping at
 * the first operand, unknown options, refused values, a second parse, help). */
#include "lib/lib.h"
#include "tests/unit/tap.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct t_args {
	bool flag;
	const char *str;
	char **strv;
	int num;
};

static int set_num(void *field, const char *arg, const char *word, struct error **err)
{
	char *end = NULL;
	long v = strtol(arg, &end, 10);
	if (end == arg || *end != '\0')
		return err_set(err, EINVAL, ERR_USAGE, "bad number %s in %s", arg, word);
	*(int *)field = (int)v;
	return 0;
}

static const struct args_opt opts[] = {
	{ "flag", 'f', ARGS_FLAG, offsetof(struct t_args, flag), NULL, NULL, "a flag" },
	{ "str", 's', ARGS_STR, offsetof(struct t_args, str), NULL, "S", "a string" },
	{ "env", 'e', ARGS_STRV, offsetof(struct t_args, strv), NULL, "V", "repeatable" },
	{ "num", 0, ARGS_FN, offsetof(struct t_args, num), set_num, "N", "a number" },
	{ "skip", 0, ARGS_SKIP, 0, NULL, NULL, "ignored" },
	{ "skip-arg", 0, ARGS_SKIP_ARG, 0, NULL, "X", NULL },
	{ "help", 'h', ARGS_STOP, 0, NULL, NULL, "help" },
	{ 0 },
};

/* Parse a NULL-terminated list of words into *a. */
static int parse(struct t_args *a, struct args_result *r, struct error **err, char **words)
{
	int argc = 0;
	while (words[argc] != NULL)
		argc++;
	*a = (struct t_args){ 0 };
	return args_parse(opts, argc, words, a, r, err);
}

#define WORDS(...) ((char *[]){ "prog", __VA_ARGS__, NULL })

static void test_types(void)
{
	struct t_args a;
	struct args_result r;
	struct error *err = NULL;
	is_int(parse(&a, &r, &err,
		     WORDS("-f", "--str", "x", "-e", "A=1", "--env=B=2", "--num", "42", "--skip",
			   "--skip-arg", "y", "-s", "z", "op", "--flag")),
	       0, "all types parse");
	ok(a.flag, "flag");
	is_str(a.str, "z", "last string wins");
	is_int(strv_len(a.strv), 2, "strv has both");
	is_str(a.strv ? a.strv[1] : NULL, "B=2", "--env=B=2");
	is_int(a.num, 42, "fn stored the number");
	is_int(r.first, 14, "first operand index");
	ok(r.stop == NULL && r.bad == NULL, "no stop, nothing bad");
	strv_free(a.strv);

	is_int(parse(&a, &r, &err, WORDS("--fl", "op")), 0, "an unambiguous prefix");
	ok(a.flag, "sets the flag");
	is_int(parse(&a, &r, &err, WORDS("--", "-f")), 0, "-- ends the options");
	ok(!a.flag, "-f after -- is an operand");
	is_int(r.first, 2, "operand after --");
	is_int(parse(&a, &r, &err, WORDS("-fs", "v")), 0, "clustered short options");
	ok(a.flag, "flag of the cluster");
	is_str(a.str, "v", "string of the cluster");
}

static void test_failures(void)
{
	struct t_args a;
	struct args_result r;
	struct error *err = NULL;
	/* getopt prints its own line on stderr for these, as runc's and the old parsers did. */
	is_int(parse(&a, &r, &err, WORDS("-f", "--bogus", "op")), -1, "unknown long option");
	is_str(r.bad, "--bogus", "names the word");
	is_str(err ? err->msg : NULL, "unknown option --bogus", "message");
	is_int(parse(&a, &r, &err, WORDS("-x")), -1, "unknown short option");
	is_str(r.bad, "-x", "names the word");
	is_int(parse(&a, &r, &err, WORDS("--str")), -1, "missing argument");
	is_str(r.bad, "--str", "names the option");
	is_int(parse(&a, &r, &err, WORDS("--num", "4x")), -1, "the fn refuses");
	ok(r.bad == NULL, "no bad word: the value was refused");
	is_str(err ? err->msg : NULL, "bad number 4x in 4x", "the fn's message and word");
	is_int(parse(&a, &r, &err, WORDS("--num=4x")), -1, "the fn refuses --num=4x");
	is_str(err ? err->msg : NULL, "bad number 4x in --num=4x", "word is the whole word");
	is_int(parse(&a, &r, &err, WORDS("--help", "--bogus")), 0, "stop before a bad option");
	ok(r.stop == &opts[6], "stop is the help entry");
	is_int(parse(&a, &r, &err, WORDS("op", "--bogus")), 0, "options after an operand pass");
	is_int(r.first, 1, "first operand");
	err_free(&err);
}

/* The runtime parses twice: global options, then the command's, from its name on. */
static void test_second_parse(void)
{
	struct t_args a;
	struct args_result r;
	struct error *err = NULL;
	char *argv[] = { "prog", "-f", "cmd", "-s", "v", "id", NULL };
	is_int(args_parse(opts, 6, argv, &a, &r, &err), 0, "first parse");
	is_int(r.first, 2, "stops at the command");
	struct t_args b = { 0 };
	is_int(args_parse(opts, 4, argv + r.first, &b, &r, &err), 0, "second parse");
	is_str(b.str, "v", "the command's option");
	is_int(r.first, 3, "the command's operand");
}

static void test_help(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	args_help(f, opts);
	fclose(f);
	has_str(buf, "-f, --flag", "short and long");
	has_str(buf, "    --num N", "long only, with its argument");
	has_str(buf, "a string", "help text");
	ok(strstr(buf, "skip-arg") == NULL, "an entry without help is not shown");
	free(buf);
}

int main(void)
{
	test_types();
	test_failures();
	test_second_parse();
	test_help();
	return done_testing();
}
