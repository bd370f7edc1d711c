/* SPDX-License-Identifier: Apache-2.0 */
/* --format: json and the Go-template subset, including bad templates. */
#include "tool/cli.h"
#include "tests/unit/tap.h"

static char *render(const char *fmt, struct json_object *obj, int *rc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct error *err = NULL;
	*rc = cli_format_render(f, fmt, obj, &err);
	if (*rc < 0)
		fprintf(f, "ERR:%s", err->msg);
	err_free(&err);
	fclose(f);
	return buf;
}

int main(void)
{
	struct json_object *o =
	    json_tokener_parse("{\"Name\":\"web\",\"State\":{\"Status\":\"running\",\"Pid\":42},"
			       "\"Labels\":{\"a\":\"b\"},\"Nil\":null,\"On\":true}");
	int rc;
	char *s;
	s = render("{{.Name}}", o, &rc);
	is_str(s, "web\n", "a field");
	free(s);
	s = render("{{ .State.Status }}\\t{{.State.Pid}}", o, &rc);
	is_str(s, "running\t42\n", "nested fields, spaces and \\t");
	free(s);
	s = render("{{json .Labels}}", o, &rc);
	is_str(s, "{\"a\":\"b\"}\n", "json of an object");
	free(s);
	s = render("{{upper .Name}}/{{lower .State.Status}}", o, &rc);
	is_str(s, "WEB/running\n", "upper and lower");
	free(s);
	s = render("{{.Labels.missing}} {{.Nil}} {{.On}}", o, &rc);
	is_str(s, "<no value> <nil> true\n", "missing map key, null and bool like Go");
	free(s);
	s = render("{{.Missing}}", o, &rc);
	ok(rc < 0 && strstr(s, "can't evaluate field Missing") != NULL,
	   "a missing field of a struct is an error, as in podman");
	free(s);
	s = render("table {{.Name}}", o, &rc);
	is_str(s, "web\n", "table prefix is dropped by the renderer");
	free(s);
	ok(cli_format_is_table("table {{.ID}}") && cli_format_is_table("table") &&
	       !cli_format_is_table("tablet"),
	   "cli_format_is_table");
	s = render("json", o, &rc);
	ok(rc == 0 && strstr(s, "\"Status\": \"running\"") != NULL, "json is pretty JSON");
	free(s);
	static const char *const bad[] = { "{{.Name",	    "{{range .X}}",    "{{}}",
					   "{{.A}}x{{if}}", "{{nosuchfn .A}}", NULL };
	for (size_t i = 0; bad[i] != NULL; i++) {
		struct error *err = NULL;
		is_int(cli_format_check(bad[i], &err), -1, "bad template refused: %s", bad[i]);
		ok(err != NULL && err->kind == ERR_TOOL && strncmp(err->msg, "template: ", 10) == 0,
		   "as podman's error (exit 125, no usage hint)");
		err_free(&err);
	}
	struct error *err = NULL;
	is_int(cli_format_check("{{.A}} and {{json .B.C}}", &err), 0, "good template accepted");
	json_object_put(o);
	return done_testing();
}
