/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hutch-generator's unit file parser and quoting (tool/generator/unitfile.c): systemd's
 * syntax on good and hostile input, words split and quoted back so that systemd's own
 * splitting gives the same words.
 */
#include "tool/generator/generator.h"

#include <string.h>

#include "tests/unit/tap.h"

static void test_parse(void)
{
	const char *text = "; c\n[Unit]\nDescription=a \\\n#dropped\n  b\n\n[Container]\n"
			   "Image = img \nLabel=x=1\nLabel=\nLabel=y=2\nnoequals\n[bad\n"
			   "Exec=never\n[Container]\nExec=/bin/sh -c 'a b'\n";
	struct gen_unit *u = gen_unit_parse("/q/t.container", text);
	is_str(u->filename, "t.container", "file name from the path");
	is_str(gen_last(u, "Unit", "Description"), "a    b", "continuation, comment dropped");
	is_str(gen_last(u, "Container", "Image"), "img", "key and value trimmed");
	char **labels = gen_all(u, "Container", "Label");
	is_int((int)strv_len(labels), 1, "an empty value clears the list");
	is_str(labels[0], "y=2", "the value after the reset");
	strv_free(labels);
	char **exec = gen_last_words(u, "Container", "Exec");
	is_int((int)strv_len(exec), 3, "a repeated section adds to the first; the last Exec wins");
	is_str(exec[2], "a b", "single quotes keep a word together");
	strv_free(exec);
	ok(gen_group(u, "bad") == NULL, "an invalid section header is skipped");
	bool b = true;
	is_int(gen_bool(u, "Container", "Image", &b), -1, "no boolean");
	is_int(gen_bool(u, "Container", "Nope", &b), 0, "absent");
	gen_unit_free(u);
}

static void test_words(void)
{
	static const char *const cases[] = { "plain",	 "two words",	"",
					     "q\"uo'te", "back\\slash", "tab\there",
					     "nl\nx",	 "%N-%t",	"semi;colon" };
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *q = gen_quote_word(cases[i]);
		char **w = gen_split_words(q);
		ok(strv_len(w) == 1 && strcmp(w[0], cases[i]) == 0, "round trip of case %zu via %s",
		   i, q);
		strv_free(w);
		free(q);
	}
	char *q = gen_quote_word("$HOME");
	is_str(q, "$$HOME", "$ doubled: systemd does not expand it");
	free(q);
	char **w = gen_split_words("  a\\x41 \"b c\"d 'e\\'' \\q ");
	is_int((int)strv_len(w), 4, "four words");
	is_str(w[0], "aA", "\\x escape");
	is_str(w[1], "b cd", "quotes join with what follows");
	is_str(w[2], "e'", "escaped quote inside quotes");
	is_str(w[3], "\\q", "an unknown escape is kept");
	strv_free(w);
}

static void test_hostile(void)
{
	/* Unterminated quotes, a lone backslash at the end, NUL-free garbage, a header only. */
	static const char *const bad[] = { "[Container]\nExec=\"open\n",
					   "[A]\nK=v\\",
					   "[",
					   "]\n=\n[X]\n=v\n",
					   "[C]\nExec=\\x4\n",
					   "[Container]\nExec='\\\n" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct gen_unit *u = gen_unit_parse(NULL, bad[i]);
		char **w = gen_all_words(u, "Container", "Exec");
		char *text = gen_unit_text(u);
		ok(text != NULL, "hostile input %zu parsed without harm", i);
		free(text);
		strv_free(w);
		gen_unit_free(u);
	}
}

int main(void)
{
	test_parse();
	test_words();
	test_hostile();
	return done_testing();
}
