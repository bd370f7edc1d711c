/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Go's text/template as podman 4.3.1 runs it (tool/template.c): a corpus of template,
 * expected output, most taken from podman's real output on the same volume document
 * (`podman volume inspect --format`), and bad templates with podman's messages.
 */
#include "tool/cli.h"
#include "tool/template.h"
#include "tests/unit/tap.h"

static const char doc[] =
    "{\"Name\":\"vol1\",\"Driver\":\"local\",\"Labels\":{\"a\":\"b\",\"c\":\"d\"},"
    "\"Options\":{},\"Size\":42,\"Ratio\":1.5,\"On\":true,\"Nil\":null,"
    "\"List\":[\"x\",\"y\",\"z\"],\"Env\":[\"A=1\",\"B=2\"],"
    "\"State\":{\"Status\":\"running\",\"Pid\":0}}";

static char *run(const char *fmt, struct json_object *o, int *rc, char **msg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct error *err = NULL;
	cli_format_set_name("inspect");
	*rc = cli_format_render(f, fmt, o, &err);
	fclose(f);
	*msg = err ? xstrdup(err->msg) : NULL;
	err_free(&err);
	return buf;
}

int main(void)
{
	struct json_object *o = json_tokener_parse(doc);
	static const char *const good[][2] = {
		/* from podman 4.3.1 on a volume with labels a=b c=d */
		{ "{{.Labels.zz}}", "<no value>\n" },
		{ "{{.Labels}}|{{.Options}}|{{json .Labels}}|{{len .Labels}}",
		  "map[a:b c:d]|map[]|{\"a\":\"b\",\"c\":\"d\"}|2\n" },
		{ "{{range $k, $v := .Labels}}{{$k}}={{$v}};{{end}}", "a=b;c=d;\n" },
		{ "{{printf \"%q %5s|%-5s|%d %v %x\" .Name .Driver .Driver 42 .Labels .Name}}",
		  "\"vol1\" local|local|42 map[a:b c:d] 766f6c31\n" },
		{ "{{index .Labels \"a\"}} {{index .Labels \"nope\"}}", "b \n" },
		{ "{{.Name | upper | printf \"%s!\"}} {{title \"hello world-x\"}} {{truncate .Name 2}} "
		  "{{pad .Name 1 2}}|{{split \"a:b\" \":\"}} {{join (split \"a:b\" \":\") \",\"}}",
		  "VOL1! Hello World-X vo  vol1  |[a b] a,b\n" },
		{ "{{html \"<a>\"}} {{js \"a'b\"}} {{urlquery \"a b\"}} {{slice \"abcdef\" 1 3}} "
		  "{{print 1 2 \"a\" \"b\" 3}} {{println 1 \"x\"}}",
		  "&lt;a&gt; a\\'b a+b bc 1 2ab3 1 x\n\n" },
		{ "{{lt \"a\" \"b\"}} {{eq .Name \"vol1\" \"x\"}} {{and 1 0}} {{or 0 \"\" \"z\"}} {{not 1}}",
		  "true true 0 z false\n" },
		{ "{{1.5}} {{1e6}} {{0x10}} {{-3}} {{1234567.0}} {{0.000012}} {{true}}",
		  "1.5 1e+06 16 -3 1.234567e+06 1.2e-05 true\n" },
		/* Go's semantics */
		{ "{{.}}", NULL },
		{ "{{.List}} {{.Nil}} {{.On}} {{.Size}} {{.Ratio}}",
		  "[x y z] <nil> true 42 1.5\n" },
		{ "{{range .Env}}{{.}},{{end}}", "A=1,B=2,\n" },
		{ "{{range $i, $e := .List}}{{$i}}:{{$e}} {{end}}", "0:x 1:y 2:z \n" },
		{ "{{range .Options}}x{{else}}empty{{end}}", "empty\n" },
		{ "{{range .List}}{{if eq . \"y\"}}{{break}}{{end}}{{.}}{{end}}", "x\n" },
		{ "{{range .List}}{{if eq . \"y\"}}{{continue}}{{end}}{{.}}{{end}}", "xz\n" },
		{ "{{if .Nil}}a{{else if .State.Pid}}b{{else if .On}}c{{else}}d{{end}}", "c\n" },
		{ "{{with .State}}{{.Status}}{{end}} {{with .Options}}x{{else}}none{{end}}",
		  "running none\n" },
		{ "{{$x := .Name}}{{$x}} {{$x = \"w\"}}{{$x}} {{$.Driver}}", "vol1 w local\n" },
		{ "{{/* a comment */}}a  {{- \" b \" -}}  c", "a b c\n" },
		{ "{{\"\\t\"}}|{{`raw\\t`}}|{{\"\\u00e9\"}}", "\t|raw\t|\xc3\xa9\n" },
		{ "{{.Name}}\\t{{.Driver}}\\n", "vol1\tlocal\n" },
		{ "{{len .List}} {{index .List 1}} {{slice .List 1}}", "3 y [y z]\n" },
		{ "{{printf \"%s-%d\" .Name}} {{printf \"%d\" .Name}} {{printf \"x\" 1}}",
		  "vol1-%!d(MISSING) %!d(string=vol1) x%!(EXTRA int=1)\n" },
		{ "{{(index .Labels \"a\") | upper}} {{(.State).Status}}", "B running\n" },
		{ "{{json .List}} {{json .Nil}} {{json .Name}}",
		  "[\"x\",\"y\",\"z\"] null \"vol1\"\n" },
		{ "table {{.Name}} {{.Driver}}", "vol1\tlocal\n" },
		{ "{{.Name | }}", "vol1\n" },
		{ "{{ge 3 2}} {{ne \"a\" \"a\"}} {{le 1 1}} {{gt 1.5 2.5}}",
		  "true false true false\n" },
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int rc;
		char *msg = NULL;
		char *s = run(good[i][0], o, &rc, &msg);
		if (good[i][1] == NULL)
			ok(rc == 0 && strstr(s, "map[Driver:local") == s, "%s: %s", good[i][0], s);
		else
			is_str(s, good[i][1], "%s (%s)", good[i][0], msg ? msg : "ok");
		free(s);
		free(msg);
	}
	static const char *const bad[][2] = {
		/* podman 4.3.1's messages (execution errors: their column in our text) */
		{ "{{.Foo}}", "template: inspect:1:2: executing \"inspect\" at <.Foo>: can't "
			      "evaluate field Foo in type interface {}" },
		{ "{{foo .Name}}", "template: inspect:1: function \"foo\" not defined" },
		{ "{{range .Labels}}", "template: inspect:1: unexpected EOF" },
		{ "{{end}}", "template: inspect:1: unexpected {{end}}" },
		{ "{{}}", "template: inspect:1: missing value for command" },
		{ "{{if}}x{{end}}", "template: inspect:1: missing value for if" },
		{ "{{$x}}", "template: inspect:1: undefined variable \"$x\"" },
		{ "{{eq 1 1.0}}",
		  "template: inspect:1:2: executing \"inspect\" at <eq 1 1.0>: error "
		  "calling eq: incompatible types for comparison" },
		{ "{{.Name.Foo}}", "template: inspect:1:2: executing \"inspect\" at <.Name.Foo>: "
				   "can't evaluate field Foo in type string" },
		{ "{{\"a\" \"b\"}}",
		  "template: inspect:1:2: executing \"inspect\" at <\"a\">: can't "
		  "give argument to non-function \"a\"" },
		{ "{{.Name 1}}",
		  "template: inspect:1:2: executing \"inspect\" at <.Name>: Name has "
		  "arguments but cannot be invoked as function" },
		{ "{{range .Name}}{{end}}",
		  "template: inspect:1:8: executing \"inspect\" at <.Name>: "
		  "range can't iterate over vol1" },
		{ "{{nil}}", "template: inspect:1:2: executing \"inspect\" at <nil>: nil is not a "
			     "command" },
		{ "{{index .Labels 1}}", "template: inspect:1:2: executing \"inspect\" at <index "
					 ".Labels 1>: error calling index: value has type int; "
					 "should be string" },
		{ "{{.Labels.a.b}}",
		  "template: inspect:1:2: executing \"inspect\" at <.Labels.a.b>: "
		  "can't evaluate field b in type string" },
		{ "a\n{{.Foo}}", "template: inspect:2:2: executing \"inspect\" at <.Foo>: can't "
				 "evaluate field Foo in type interface {}" },
		{ "{{.Name", "template: inspect:1: unclosed action" },
		{ "{{\"abc}}", "template: inspect:1: unterminated quoted string" },
		{ "{{else}}", "template: inspect:1: unexpected {{else}}" },
		{ "{{.Name | printf \"%s\" $nope}}",
		  "template: inspect:1: undefined variable \"$nope\"" },
		{ "{{(.Name}}", "template: inspect:1: unclosed left paren" },
		{ "{{| .Name}}", "template: inspect:1: unexpected \"|\" in command" },
		{ "{{#}}", "template: inspect:1: unexpected \"#\" in command" },
		{ "{{upper .Size}}",
		  "template: inspect:1:2: executing \"inspect\" at <upper .Size>: "
		  "wrong type for value; expected string; got int" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc;
		char *msg = NULL;
		char *s = run(bad[i][0], o, &rc, &msg);
		is_int(rc, -1, "bad template %zu fails", i);
		is_str(msg ? msg : "(none)", bad[i][1], "with podman's message");
		free(s);
		free(msg);
	}
	/* the table writer: Go's tabwriter with minwidth 12, padding 2 */
	char *rows[] = { "VOLUME NAME\tDRIVER", "vol1\tlocal", "a-much-longer-name\tx", NULL };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	cli_tabwriter(f, rows, 12, 2);
	fclose(f);
	is_str(buf,
	       "VOLUME NAME         DRIVER\nvol1                local\na-much-longer-name  x\n",
	       "tabwriter columns");
	free(buf);
	json_object_put(o);
	return done_testing();
}
