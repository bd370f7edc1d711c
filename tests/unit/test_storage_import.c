/* SPDX-License-Identifier: Apache-2.0 */
/* storage/import.c: the `import`/`commit --change` instructions and their errors. */
#include "storage/storage.h"
#include "tests/unit/tap.h"

static void bad(const char *change, const char *want)
{
	char *const list[] = { (char *)change, NULL };
	struct storage_image_config c = { 0 };
	struct error *err = NULL;
	is_int(storage_import_changes(&c, list, &err), -1, "%s is refused", change);
	is_str(err ? err->msg : NULL, want, "%s: message", change);
	err_free(&err);
	storage_image_config_clear(&c);
}

static char *joined(char **v)
{
	char *out = xstrdup("");
	for (size_t i = 0; v != NULL && v[i] != NULL; i++) {
		char *next = xasprintf("%s%s%s", out, i ? "|" : "", v[i]);
		free(out);
		out = next;
	}
	return out;
}

int main(void)
{
	char *const changes[] = { "cmd [\"cat\", \"/f\"]", "ENTRYPOINT echo hi",
				  "ENV=FOO=bar",	   "env A b",
				  "WORKDIR=/etc",	   "USER  nobody",
				  "WORKDIR /tmp",	   NULL };
	struct storage_image_config c = { 0 };
	is_int(storage_import_changes(&c, changes, NULL), 0, "changes apply");
	autofree char *cmd = joined(c.cmd), *ep = joined(c.entrypoint), *env = joined(c.env);
	is_str(cmd, "cat|/f", "CMD: the exec form, key in any case");
	is_str(ep, "/bin/sh|-c|echo hi", "ENTRYPOINT: the shell form");
	is_str(env, "FOO=bar|A=b", "ENV: NAME=VALUE and NAME VALUE, added");
	is_str(c.workdir, "/tmp", "WORKDIR: the last one");
	is_str(c.user, "nobody", "USER: blanks after the key skipped");
	storage_image_config_clear(&c);

	/* The rest of podman's list: added, replaced, or kept once. */
	char *const more[] = { "LABEL a=1",	   "label \"b\"=\"two words\"",
			       "LABEL a 3",	   "EXPOSE 80 53/udp",
			       "EXPOSE 80",	   "VOLUME /v1 /v2",
			       "VOLUME [\"/v3\"]", "STOPSIGNAL SIGINT",
			       "ONBUILD RUN x",	   "ENV FOO=bar",
			       "ENV FOO=baz",	   NULL };
	is_int(storage_import_changes(&c, more, NULL), 0, "podman's other instructions apply");
	autofree char *labels = joined(c.labels), *ports = joined(c.exposed_ports),
		      *vols = joined(c.volumes), *onb = joined(c.onbuild), *env2 = joined(c.env);
	is_str(labels, "a=3|b=two words", "LABEL: NAME=VALUE, NAME VALUE, quotes, replaced");
	is_str(ports, "80/tcp|53/udp", "EXPOSE: /tcp by default, each port once");
	is_str(vols, "/v1|/v2|/v3", "VOLUME: words or a JSON array");
	is_str(c.stop_signal, "SIGINT", "STOPSIGNAL");
	is_str(onb, "RUN x", "ONBUILD: kept as written");
	is_str(env2, "FOO=baz", "ENV: a name set again is replaced");
	storage_image_config_clear(&c);

	bad("CMD", "invalid --change \"CMD\": want KEY=VALUE");
	bad("=x", "invalid --change \"=x\": want KEY=VALUE");
	bad("CMD [\"a\", 1]",
	    "invalid --change CMD: \"[\"a\", 1]\" is not a JSON array of strings");
	bad("ENTRYPOINT [", "invalid --change ENTRYPOINT: \"[\" is not a JSON array of strings");
	bad("ENV =x", "invalid change \"ENV =x\" - want NAME=VALUE");
	bad("VOLUME [1]", "invalid change \"VOLUME [1]\" - not a JSON array of strings");
	/* podman's words for an instruction it does not take. */
	bad("HEALTHCHECK CMD true",
	    "invalid change \"HEALTHCHECK CMD true\" - invalid instruction HEALTHCHECK");
	return done_testing();
}
