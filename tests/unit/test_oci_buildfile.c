/* SPDX-License-Identifier: Apache-2.0 */
/* oci/engine/buildfile.c: the Containerfile parser and Docker's word substitution. */
#include "oci/engine.h"
#include "tests/unit/tap.h"

static struct eng_bf parse(const char *text, struct error **err)
{
	struct eng_bf b;
	if (eng_bf_parse(text, strlen(text), "Containerfile", &b, err) < 0)
		b = (struct eng_bf){ 0 };
	return b;
}

static void forms(void)
{
	struct error *err = NULL;
	struct eng_bf b = parse("# syntax=docker/dockerfile:1\n"
				"# a comment\n"
				"from alpine AS build\n"
				"\n"
				"RUN echo a \\\n"
				"# inside\n"
				"\n"
				"  && echo b\n"
				"CMD [\"/bin/app\", \"-x\"]\n"
				"ENTRYPOINT [not json\n"
				"COPY --from=build --chown=1:2 /a /b\n"
				"ONBUILD RUN make\n",
				&err);
	ok(err == NULL, "parses: %s", err ? err->msg : "");
	err_free(&err);
	is_int(b.n, 6, "six instructions");
	is_str(b.syntax, "docker/dockerfile:1", "syntax directive");
	if (b.n == 6) {
		is_str(b.v[0].cmd, "FROM", "keyword in upper case");
		is_str(b.v[0].args, "alpine AS build", "FROM args");
		is_str(b.v[1].args, "echo a   && echo b", "continuation joined, comment dropped");
		is_int(b.v[1].line, 5, "line of the instruction");
		ok(b.v[2].json != NULL && strv_len(b.v[2].json) == 2 &&
		       strcmp(b.v[2].json[1], "-x") == 0,
		   "exec form");
		ok(b.v[3].json == NULL, "not JSON: the shell form");
		is_int(strv_len(b.v[4].flags), 2, "COPY flags");
		is_str(b.v[4].flags[0], "--from=build", "first flag");
		is_str(b.v[4].args, "/a /b", "COPY args after the flags");
		ok(b.v[5].onbuild != NULL && strcmp(b.v[5].onbuild->cmd, "RUN") == 0,
		   "ONBUILD trigger parsed");
	}
	eng_bf_clear(&b);
}

static void escape_and_heredoc(void)
{
	struct error *err = NULL;
	struct eng_bf b = parse("# escape=`\n"
				"FROM scratch\n"
				"RUN dir c:\\ `\n"
				"  x\n"
				"RUN <<EOF\n"
				"echo $HOME\n"
				"EOF\n"
				"COPY <<-'END' /x\n"
				"\tliteral $X\n"
				"\tEND\n"
				"USER 1\n",
				&err);
	ok(err == NULL, "parses: %s", err ? err->msg : "");
	err_free(&err);
	is_int(b.n, 5, "five instructions");
	is_int(b.escape, '`', "escape directive");
	if (b.n == 5) {
		is_str(b.v[1].args, "dir c:\\   x", "backslash literal, backtick continues");
		is_int(b.v[2].n_heredocs, 1, "RUN heredoc");
		is_str(b.v[2].heredocs[0].body, "echo $HOME\n", "heredoc body");
		ok(b.v[2].heredocs[0].expand, "unquoted: expanded");
		is_str(b.v[3].heredocs[0].body, "literal $X\n", "<<- strips tabs");
		ok(!b.v[3].heredocs[0].expand, "quoted: literal");
		is_str(b.v[4].cmd, "USER", "after the heredoc");
		is_int(b.v[4].line, 11, "its line");
	}
	eng_bf_clear(&b);
}

static void errors(void)
{
	struct error *err = NULL;
	struct eng_bf b = parse("FROM x\nRUN true\nFOO bar\n", &err);
	ok(err != NULL && strcmp(err->msg, "Containerfile:3: unknown instruction: FOO") == 0,
	   "unknown instruction: %s", err ? err->msg : "none");
	err_free(&err);
	b = parse("FROM x\nRUN <<EOF\nno end\n", &err);
	has_str(err ? err->msg : NULL, "Containerfile:2: unterminated heredoc", "heredoc");
	err_free(&err);
	b = parse("FROM x\nWORKDIR\n", &err);
	has_str(err ? err->msg : NULL, "Containerfile:2: WORKDIR requires", "no argument");
	err_free(&err);
	b = parse("# escape=x\nFROM x\n", &err);
	has_str(err ? err->msg : NULL, "invalid escape token", "bad escape");
	err_free(&err);
	b = parse("\n# only a comment\n", &err);
	has_str(err ? err->msg : NULL, "no instructions", "empty");
	err_free(&err);
	b = parse("ONBUILD ONBUILD RUN x\n", &err);
	has_str(err ? err->msg : NULL, "isn't allowed", "ONBUILD ONBUILD");
	err_free(&err);
	eng_bf_clear(&b);
}

static const char *vars(void *arg, const char *name)
{
	(void)arg;
	if (strcmp(name, "A") == 0)
		return "aa";
	if (strcmp(name, "E") == 0)
		return "";
	if (strcmp(name, "SP") == 0)
		return "x y";
	return NULL;
}

static void word(const char *in, bool split, const char *want)
{
	struct eng_bf_expand e = { .lookup = vars, .file = "F", .line = 1 };
	char **w = NULL;
	struct error *err = NULL;
	if (eng_bf_words(in, &e, split, &w, &err) < 0) {
		is_str(err->msg, want, "%s fails", in);
		err_free(&err);
		return;
	}
	size_t n = 0;
	for (size_t i = 0; w[i]; i++)
		n += strlen(w[i]) + 1;
	autofree char *j = xcalloc(1, n + 1);
	for (size_t i = 0; w[i]; i++) {
		if (i)
			strcat(j, "|");
		strcat(j, w[i]);
	}
	is_str(j, want, "%s", in);
	strv_free(w);
}

static void substitution(void)
{
	word("$A ${A}b", true, "aa|aab");
	word("${U:-def} ${E:-d2} ${E-d3} ${A:+set} ${U:+no}x", true, "def|d2||set|x");
	word("'$A' \"$A b\" \\$A", true, "$A|aa b|$A");
	word("$SP", true, "x y");
	word("a  b", false, "a  b");
	word("${U:-${A}}", true, "aa");
	word("${U:?need it}", true, "F:1: U: need it");
	word("\"open", true,
	     "F:1: unexpected end of statement while looking for matching double-quote");
	word("${A", true, "F:1: unsupported modifier ( ) in substitution");
	word("$ $1x", true, "$|");
	char **raw = eng_bf_split_raw("a=\"x y\" b='1 2' c=3\\ 4", '\\');
	is_int(strv_len(raw), 3, "raw pairs keep quoted blanks");
	if (strv_len(raw) == 3)
		is_str(raw[2], "c=3\\ 4", "escaped blank");
	strv_free(raw);
}

int main(void)
{
	forms();
	escape_and_heredoc();
	errors();
	substitution();
	return done_testing();
}
