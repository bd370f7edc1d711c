/* SPDX-License-Identifier: Apache-2.0 */
/*
 * generate systemd: a container's or a pod's systemd units, line for line as podman 4.3.1
 * writes them (its header, [Unit], [Service], [Install]; "Podman" reads "hutch"). Without
 * --new a unit starts and stops the existing container (Type=forking, PIDFile= the
 * monitor's pid file); with --new it runs the container's own command line again, rewritten
 * as podman rewrites it (--cidfile, --cgroups=no-conmon, --rm, --sdnotify=conmon, -d,
 * --replace), as Type=notify. Arguments are escaped for systemd as podman escapes them ($,
 * %, quotes), so a unit runs exactly the recorded words.
 */
#include "oci/engine/internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* systemd's TimeoutStopSec= is the stop's -t plus podman's margin. */
#define SD_STOP_MARGIN 60

/* One unit being written: what the templates of podman fill in. */
struct sd_info {
	char *service;	   /* "container-web" */
	char *name_or_id;  /* what start/stop name */
	char *pidfile;	   /* forking: the monitor's pid file */
	char *runroot;	   /* RequiresMountsFor= */
	char *exec_start;  /* with --new: the rewritten command line, formatted */
	char *extra_env;   /* with --new: -e KEY's values, one Environment= line */
	char *restart;	   /* from the command line's --restart (NULL: the default) */
	char *limit_burst; /* StartLimitBurst=, from --restart=on-failure:N */
	char **bound_to;   /* BindsTo= and After= (pod members: the pod's unit) */
	char **required;   /* a pod's Wants= and Before=: its members' units */
	long stop_timeout;
	bool pod;
};

static void info_clear(struct sd_info *i)
{
	free(i->service);
	free(i->name_or_id);
	free(i->pidfile);
	free(i->runroot);
	free(i->exec_start);
	free(i->extra_env);
	free(i->restart);
	free(i->limit_burst);
	strv_free(i->bound_to);
	strv_free(i->required);
	*i = (struct sd_info){ 0 };
}

/*
 * One argument as systemd reads it back, podman's rule: $ and % doubled (no expansion);
 * then a word with blanks or quotes becomes a C-quoted string ("a b"), and any other
 * backslash is doubled. Control characters are quoted too: a newline would end the line.
 */
static char *escape_arg(const char *a)
{
	size_t n = strlen(a);
	autofree char *s = xzalloc(2 * n + 1);
	size_t k = 0;
	bool quote = false;
	for (const char *p = a; *p; p++) {
		if (*p == '$' || *p == '%')
			s[k++] = *p;
		s[k++] = *p;
		quote = quote || *p == ' ' || *p == '"' || (unsigned char)*p < 0x20 || *p == 0x7f;
	}
	if (!quote) {
		autofree char *out = xzalloc(2 * k + 1);
		size_t j = 0;
		for (size_t i = 0; i < k; i++) {
			if (s[i] == '\\')
				out[j++] = '\\';
			out[j++] = s[i];
		}
		return steal_ptr(&out);
	}
	/* Go's strconv.Quote: \" \\ and the short escapes, \xNN for the other controls. */
	autofree char *out = xzalloc(4 * k + 3);
	size_t j = 0;
	out[j++] = '"';
	for (size_t i = 0; i < k; i++) {
		unsigned char ch = (unsigned char)s[i];
		const char *esc = ch == '"'    ? "\\\""
				  : ch == '\\' ? "\\\\"
				  : ch == '\n' ? "\\n"
				  : ch == '\t' ? "\\t"
				  : ch == '\r' ? "\\r"
					       : NULL;
		if (esc != NULL) {
			memcpy(out + j, esc, strlen(esc));
			j += strlen(esc);
		} else if (ch < 0x20 || ch == 0x7f) {
			j += (size_t)snprintf(out + j, 5, "\\x%02x", ch);
		} else {
			out[j++] = (char)ch;
		}
	}
	out[j++] = '"';
	return steal_ptr(&out);
}

/* Append printf-style text to *t (an owned string). */
static void __attribute__((format(printf, 2, 3))) put(char **t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	autofree char *more = xvasprintf(fmt, ap);
	va_end(ap);
	char *joined = xasprintf("%s%s", *t, more);
	free(*t);
	*t = joined;
}

/* v's words joined by sep (owned). */
static char *join_words(char *const *v, const char *sep)
{
	char *t = xstrdup("");
	for (size_t i = 0; v != NULL && v[i] != NULL; i++)
		put(&t, "%s%s", i ? sep : "", v[i]);
	return t;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* podman's formatOptions: the words on one line, each option ("-x") on a line of its own,
 * continued with a backslash and a tab. */
static char *format_words(char *const *w)
{
	char *text = xstrdup("");
	for (size_t i = 0; w != NULL && w[i] != NULL; i++)
		put(&text, "%s%s", i == 0 ? "" : w[i][0] == '-' ? " \\\n\t" : " ", w[i]);
	return text;
}

static char *service_name(const char *prefix, const char *sep, const char *name_or_id)
{
	return xasprintf("%s%s%s", prefix, sep, name_or_id);
}

static bool valid_restart(const char *p)
{
	static const char *const ok[] = { "no",		 "on-success", "on-failure", "on-abnormal",
					  "on-watchdog", "on-abort",   "always",     NULL };
	return strv_contains((char *const *)ok, p);
}

/* ---------- the recorded command line, rewritten for --new ---------- */

/* One option of the recorded command line: its words, and what it says. */
struct opt_word {
	const char *name; /* long name without dashes, or the short letter as a string */
	const char *value;
	bool inline_value; /* --x=v */
};

/* The long name of the short options podman's rules look at. */
static const char *long_of(char c)
{
	return c == 'd' ? "detach" : c == 'e' ? "env" : NULL;
}

/* What podman's rewrite needs to know of the command line after run/create. */
struct cmdline {
	char **keep; /* the words kept, in order */
	bool detach, name_set, replace;
	const char *sdnotify; /* NULL: not given */
	const char *restart;
	char **env_keys; /* -e KEY without a value */
};

static void cmdline_clear(struct cmdline *c)
{
	strv_free(c->keep);
	strv_free(c->env_keys);
}

static bool is_true(const struct opt_word *o)
{
	return o->value == NULL || strcmp(o->value, "true") == 0;
}

/* Record what option o says; false when its words are dropped from the new command. */
static bool cmdline_note(struct cmdline *c, const struct opt_word *o, bool in_pod)
{
	const char *n = o->name;
	if (strcmp(n, "detach") == 0) {
		c->detach = is_true(o);
		return c->detach; /* --detach=false: dropped, -d is added */
	}
	if (strcmp(n, "name") == 0) {
		c->name_set = true;
	} else if (strcmp(n, "replace") == 0) {
		c->replace = is_true(o);
		return c->replace;
	} else if (strcmp(n, "sdnotify") == 0) {
		c->sdnotify = o->value;
		return o->value == NULL || strcmp(o->value, "ignore") != 0;
	} else if (strcmp(n, "restart") == 0) {
		c->restart = o->value;
		return false;
	} else if (strcmp(n, "env") == 0) {
		if (o->value != NULL && strchr(o->value, '=') == NULL)
			strv_push(&c->env_keys, o->value);
	} else if (strcmp(n, "rm") == 0 || strcmp(n, "cidfile") == 0 || strcmp(n, "cgroups") == 0) {
		return false; /* the unit sets its own */
	} else if (in_pod && (strcmp(n, "pod") == 0 || strcmp(n, "pod-id-file") == 0)) {
		return false; /* the unit names the pod by its --pod-id-file */
	}
	return true;
}

/* Split the words after run/create into options and the rest (image, command), with the
 * front end's grammar; options are kept or dropped as podman's rewrite does. */
static int cmdline_parse(char *const *w, const char *cmd, const struct eng_sdunit_opts *o,
			 bool in_pod, struct cmdline *c, struct error **err)
{
	size_t i = 0;
	for (; w[i] != NULL; i++) {
		const char *a = w[i];
		if (strcmp(a, "--") == 0 || a[0] != '-' || a[1] == '\0')
			break;
		size_t first = i;
		struct opt_word ow = { 0 };
		autofree char *name = NULL;
		if (a[1] == '-') {
			const char *eq = strchr(a, '=');
			name = eq ? xstrndup(a + 2, (size_t)(eq - a - 2)) : xstrdup(a + 2);
			autofree char *flag = xasprintf("--%s", name);
			int ar = o->option_arity(cmd, flag);
			if (ar < 0)
				return err_msg(err, "the create command: unknown option %s", flag);
			if (eq != NULL)
				ow.value = eq + 1, ow.inline_value = true;
			else if (ar == 1 && w[i + 1] != NULL)
				ow.value = w[++i];
		} else {
			/* -abc: letters without values, up to one that takes the rest (or the
			 * next word). Only -d and -e matter to the rewrite. */
			for (const char *p = a + 1; *p; p++) {
				char flag[3] = { '-', *p, '\0' };
				int ar = o->option_arity(cmd, flag);
				if (ar < 0)
					return err_msg(err, "the create command: unknown option %s",
						       flag);
				const char *ln = long_of(*p);
				free(name);
				name = xstrdup(ln ? ln : flag + 1);
				if (ar == 1) {
					ow.value = p[1] ? p + 1 : w[i + 1];
					if (p[1] == '\0' && w[i + 1] != NULL)
						i++;
					break;
				}
				if (ln != NULL && p[1] != '\0') /* -dt: d noted, the word kept */
					cmdline_note(c, &(struct opt_word){ .name = ln }, in_pod);
			}
		}
		ow.name = name;
		if (cmdline_note(c, &ow, in_pod))
			for (size_t k = first; k <= i; k++)
				strv_push(&c->keep, w[k]);
	}
	for (; w[i] != NULL; i++)
		strv_push(&c->keep, w[i]);
	return 0;
}

/* The value of KEY in the container's environment (Env "KEY=V"), as "KEY=V"; or NULL. */
static const char *env_entry(const struct eng_ctr *c, const char *key)
{
	struct json_object *env = json_get(c->doc, "Env");
	size_t n = env ? json_object_array_length(env) : 0;
	for (size_t i = 0; i < n; i++) {
		const char *e = json_object_get_string(json_object_array_get_idx(env, i));
		if (e != NULL && strncmp(e, key, strlen(key)) == 0 && e[strlen(key)] == '=')
			return e;
	}
	return NULL;
}

/* Where the subcommand is in a recorded command line: the index after the first "run" or
 * "create" (after "pod" "create" for a pod); 0 when there is none. */
static size_t subcommand_end(char *const *cmd, bool pod)
{
	for (size_t i = 1; cmd[i] != NULL; i++) {
		if (pod && strcmp(cmd[i - 1], "pod") == 0 && strcmp(cmd[i], "create") == 0)
			return i + 1;
		if (!pod && (strcmp(cmd[i], "run") == 0 || strcmp(cmd[i], "create") == 0))
			return i + 1;
	}
	return 0;
}

/* Push escaped words of v[from, to) to *out. */
static void push_escaped(char ***out, char *const *v, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		strv_push_take(out, escape_arg(v[i]));
}

/* --new: the container's command line as a unit's ExecStart, as podman rewrites it. */
static int new_ctr_command(const struct eng_ctr *c, const struct eng_sdunit_opts *o,
			   const char *pod_id_file, struct sd_info *in, struct error **err)
{
	autostrv char **cmd = json_strv(json_get(c->doc, "CreateCommand"));
	if (cmd == NULL || cmd[0] == NULL)
		return err_msg(err,
			       "cannot use --new on container \"%s\": no create command found: "
			       "only works on containers created directly with hutch but not via "
			       "REST API",
			       c->id);
	size_t idx = subcommand_end(cmd, false);
	if (idx == 0)
		return err_msg(err, "container's create command is too short or invalid: %s",
			       cmd[0]);
	const char *sub = strcmp(cmd[idx - 1], "run") == 0 ? "run" : "create";
	struct cmdline cl = { 0 };
	if (cmdline_parse(cmd + idx, sub, o, pod_id_file != NULL, &cl, err) < 0) {
		cmdline_clear(&cl);
		return -1;
	}
	autostrv char **w = NULL;
	strv_push_take(&w, escape_arg(o->executable));
	push_escaped(&w, cmd, 1, idx - 1);
	strv_push(&w, "run");
	strv_push(&w, "--cidfile=%t/%n.ctr-id");
	strv_push(&w, "--cgroups=no-conmon");
	strv_push(&w, "--rm");
	if (pod_id_file != NULL) {
		strv_push(&w, "--pod-id-file");
		strv_push(&w, pod_id_file);
	}
	/* Type=notify needs the READY=1 of conmon mode, unless the container sends it. */
	if (cl.sdnotify == NULL || strcmp(cl.sdnotify, "ignore") == 0)
		strv_push(&w, "--sdnotify=conmon");
	if (!cl.detach)
		strv_push(&w, "-d");
	/* A named container is replaced: a unit starts again after a crash left it. */
	if (cl.name_set && !cl.replace)
		strv_push(&w, "--replace");
	push_escaped(&w, cl.keep, 0, strv_len(cl.keep));
	if (o->template_unit) {
		size_t k = 0;
		for (; w[k] != NULL; k++)
			if (strcmp(w[k], "--name") == 0 || strncmp(w[k], "--name=", 7) == 0)
				break;
		if (w[k] != NULL) {
			size_t at = strcmp(w[k], "--name") == 0 && w[k + 1] ? k + 1 : k;
			char *named = xasprintf("%s-%%i", w[at]);
			free(w[at]);
			w[at] = named;
		} else {
			/* After "run": --name=SERVICE-%i. */
			size_t run = 0;
			while (strcmp(w[run], "run") != 0)
				run++;
			size_t len = strv_len(w);
			w = xrealloc(w, (len + 2) * sizeof(*w));
			memmove(w + run + 2, w + run + 1, (len - run) * sizeof(*w));
			w[run + 1] = xasprintf("--name=%s-%%i", in->service);
		}
	}
	for (size_t i = 0; cl.env_keys != NULL && cl.env_keys[i] != NULL; i++) {
		const char *e = env_entry(c, cl.env_keys[i]);
		if (e == NULL)
			continue;
		autofree char *esc = escape_arg(e);
		char *joined =
		    in->extra_env ? xasprintf("%s %s", in->extra_env, esc) : xstrdup(esc);
		free(in->extra_env);
		in->extra_env = joined;
	}
	if (cl.restart != NULL && *cl.restart != '\0') {
		const char *colon = strchr(cl.restart, ':');
		if (strncmp(cl.restart, "on-failure:", 11) == 0) {
			in->restart = xstrdup("on-failure");
			in->limit_burst = xstrdup(colon + 1);
		} else if (strcmp(cl.restart, "unless-stopped") == 0) {
			in->restart = xstrdup("always");
		} else {
			in->restart = xstrdup(cl.restart);
		}
	}
	in->exec_start = format_words(w);
	cmdline_clear(&cl);
	return 0;
}

/* ---------- the unit text ---------- */

static void put_header(char **f, const struct sd_info *in, const struct eng_sdunit_opts *o)
{
	bool tmpl = o->template_unit && !in->pod;
	put(f, "# %s%s.service\n", in->service, tmpl ? "@" : "");
	if (!o->no_header) {
		char date[64];
		struct tm tm;
		time_t now = o->now;
		localtime_r(&now, &tm);
		/* Go's time.UnixDate */
		strftime(date, sizeof(date), "%a %b %e %H:%M:%S %Z %Y", &tm);
		put(f, "# autogenerated by hutch %s\n# %s\n", HUTCH_VERSION, date);
	}
	put(f, "\n[Unit]\nDescription=hutch %s.service%s\n", in->service, tmpl ? " for %I" : "");
	put(f, "%s",
	    "Documentation=man:hutch-generate-systemd(1)\n"
	    "Wants=network-online.target\nAfter=network-online.target\n");
	put(f, "RequiresMountsFor=%s\n", in->runroot);
}

static void put_list(char **f, const char *key, char *const *v, const char *suffix)
{
	put(f, "%s=", key);
	for (size_t i = 0; v != NULL && v[i] != NULL; i++)
		put(f, "%s%s%s", i ? " " : "", v[i], suffix);
	put(f, "\n");
}

static void put_deps(char **f, const struct eng_sdunit_opts *o)
{
	if (strv_len(o->wants) + strv_len(o->after) + strv_len(o->requires) == 0)
		return;
	put(f, "\n# User-defined dependencies\n");
	if (strv_len(o->wants) > 0)
		put_list(f, "Wants", o->wants, "");
	if (strv_len(o->after) > 0)
		put_list(f, "After", o->after, "");
	if (strv_len(o->requires) > 0)
		put_list(f, "Requires", o->requires, "");
}

/* Environment=, Restart= ... TimeoutStopSec=: the start of [Service]. */
static void put_service_head(char **f, const struct sd_info *in, const struct eng_sdunit_opts *o)
{
	bool tmpl = o->template_unit && !in->pod;
	put(f, "\n[Service]\nEnvironment=PODMAN_SYSTEMD_UNIT=%%n%s\n", tmpl ? "-%i" : "");
	if (in->extra_env != NULL)
		put(f, "Environment=%s\n", in->extra_env);
	for (size_t i = 0; o->env != NULL && o->env[i] != NULL; i++) {
		autofree char *e = escape_arg(o->env[i]);
		put(f, "Environment=%s\n", e);
	}
	const char *restart = o->restart_policy ? o->restart_policy
			      : in->restart	? in->restart
						: "on-failure";
	put(f, "Restart=%s\n", restart);
	if (o->restart_sec > 0)
		put(f, "RestartSec=%ld\n", o->restart_sec);
	if (in->limit_burst != NULL && o->restart_policy == NULL)
		put(f, "StartLimitBurst=%s\n", in->limit_burst);
	if (o->start_timeout > 0 && !in->pod)
		put(f, "TimeoutStartSec=%ld\n", o->start_timeout);
	put(f, "TimeoutStopSec=%ld\n", SD_STOP_MARGIN + in->stop_timeout);
}

static char *ctr_unit_text(const struct sd_info *in, const struct eng_sdunit_opts *o)
{
	char *text = xstrdup("");
	char **f = &text;
	put_header(f, in, o);
	if (in->bound_to != NULL) {
		put_list(f, "BindsTo", in->bound_to, ".service");
		put_list(f, "After", in->bound_to, ".service");
	}
	put_deps(f, o);
	put_service_head(f, in, o);
	const char *exe = o->executable;
	if (o->new_ctr) {
		put(f, "ExecStartPre=/bin/rm \\\n\t-f %%t/%%n.ctr-id\n");
		put(f, "ExecStart=%s\n", in->exec_start);
		put(f, "ExecStop=%s stop \\\n\t--ignore -t %ld \\\n\t--cidfile=%%t/%%n.ctr-id\n",
		    exe, in->stop_timeout);
		put(f,
		    "ExecStopPost=%s rm \\\n\t-f \\\n\t--ignore -t %ld \\\n\t"
		    "--cidfile=%%t/%%n.ctr-id\n",
		    exe, in->stop_timeout);
		put(f, "%s", "Type=notify\nNotifyAccess=all\n");
	} else {
		put(f, "ExecStart=%s start %s\n", exe, in->name_or_id);
		for (int k = 0; k < 2; k++)
			put(f, "%s=%s stop  \\\n\t-t %ld %s\n", k ? "ExecStopPost" : "ExecStop",
			    exe, in->stop_timeout, in->name_or_id);
		put(f, "PIDFile=%s\nType=forking\n", in->pidfile);
	}
	put(f, "%s", "\n[Install]\nWantedBy=default.target\n");
	return text;
}

/* ---------- containers and pods ---------- */

static const char *ctr_prefix(const struct eng_sdunit_opts *o)
{
	return o->container_prefix ? o->container_prefix : "container";
}

static const char *separator(const struct eng_sdunit_opts *o)
{
	return o->separator ? o->separator : "-";
}

/* The run root as a unit names it: the real one for an existing container (its monitor's
 * pid file is there), %t/hutch for one the unit creates (the manager's runtime dir). */
static char *unit_runroot(struct eng *eng, bool new_ctr, struct error **err)
{
	if (new_ctr)
		return xstrdup("%t/hutch");
	autofree char *dir = eng_ctr_run_dir(eng, "x", err);
	if (dir == NULL)
		return NULL;
	/* ".../containers/x" -> the run root */
	for (int k = 0; k < 2; k++)
		*strrchr(dir, '/') = '\0';
	return steal_ptr(&dir);
}

/* The pid file of c's monitor: --conmon-pidfile's, else the one in its run dir. */
static char *monitor_pidfile(struct eng_ctr *c, struct error **err)
{
	const char *given = json_str(c->doc, "ConmonPidFile");
	if (given != NULL)
		return xstrdup(given);
	autofree char *run = eng_ctr_run_dir(c->eng, c->id, err);
	return run ? xasprintf("%s/%s", run, OCI_MONITOR_PID_FILE) : NULL;
}

static int ctr_info(struct eng_ctr *c, const struct eng_sdunit_opts *o, const char *pod_id_file,
		    struct sd_info *in, struct error **err)
{
	in->name_or_id = xstrdup(o->use_name ? c->name : c->id);
	in->service = service_name(ctr_prefix(o), separator(o), in->name_or_id);
	in->stop_timeout = o->stop_timeout_set ? o->stop_timeout : c->stop_timeout;
	if ((in->runroot = unit_runroot(c->eng, o->new_ctr, err)) == NULL)
		return -1;
	if (!o->new_ctr) {
		/* podman warns here: the container's policy and systemd's would both restart */
		if (c->restart_policy != NULL && strcmp(c->restart_policy, "no") != 0 &&
		    *c->restart_policy != '\0')
			log_warn("Container %s has restart policy \"%s\" which can lead to issues "
				 "on shutdown: consider recreating the container without a "
				 "restart policy and use systemd's restart mechanism instead",
				 c->id, c->restart_policy);
		in->pidfile = monitor_pidfile(c, err);
		return in->pidfile ? 0 : -1;
	}
	return new_ctr_command(c, o, pod_id_file, in, err);
}

static void push_unit(struct eng_sdunit **units, size_t *n, const char *service, bool tmpl,
		      char *text)
{
	*units = xrealloc(*units, (*n + 1) * sizeof(**units));
	(*units)[(*n)++] =
	    (struct eng_sdunit){ xasprintf("%s%s.service", service, tmpl ? "@" : ""), text };
}

/* The pod's own unit: the infra's start and stop, or (--new) pod create and start. */
static char *pod_unit_text(const struct sd_info *in, const struct eng_pod *p,
			   const struct eng_sdunit_opts *o, const char *rootflags, const char *pre2)
{
	char *text = xstrdup("");
	char **f = &text;
	(void)p;
	put_header(f, in, o);
	put_list(f, "Wants", in->required, ".service");
	put_list(f, "Before", in->required, ".service");
	put_deps(f, o);
	put_service_head(f, in, o);
	const char *exe = o->executable;
	if (o->new_ctr) {
		const char *s = in->service;
		autofree char *rf =
		    rootflags && *rootflags ? xasprintf("%s ", rootflags) : xstrdup("");
		put(f, "ExecStartPre=/bin/rm \\\n\t-f %%t/%s.pid %%t/%s.pod-id\n", s, s);
		put(f, "ExecStartPre=%s\n", pre2);
		put(f, "ExecStart=%s %spod start \\\n\t--pod-id-file %%t/%s.pod-id\n", exe, rf, s);
		put(f,
		    "ExecStop=%s %spod stop \\\n\t--ignore \\\n\t--pod-id-file %%t/%s.pod-id  "
		    "\\\n\t-t %ld\n",
		    exe, rf, s, in->stop_timeout);
		put(f,
		    "ExecStopPost=%s %spod rm \\\n\t--ignore \\\n\t-f \\\n\t--pod-id-file "
		    "%%t/%s.pod-id\n",
		    exe, rf, s);
		put(f, "PIDFile=%%t/%s.pid\n", s);
	} else {
		put(f, "ExecStart=%s start %s\n", exe, in->name_or_id);
		for (int k = 0; k < 2; k++)
			put(f, "%s=%s stop  \\\n\t-t %ld %s\n", k ? "ExecStopPost" : "ExecStop",
			    exe, in->stop_timeout, in->name_or_id);
		put(f, "PIDFile=%s\n", in->pidfile);
	}
	put(f, "%s", "Type=forking\n\n[Install]\nWantedBy=default.target\n");
	return text;
}

/* --new for a pod: its `pod create` line, rewritten as podman does (pid and ID files,
 * --exit-policy=stop, --replace for a named pod); *rootflags the global options. */
static int new_pod_command(const struct eng_pod *p, const struct eng_sdunit_opts *o,
			   const char *service, char **rootflags, char **pre2, struct error **err)
{
	autostrv char **cmd = json_strv(json_get(p->doc, "CreateCommand"));
	size_t idx = cmd ? subcommand_end(cmd, true) : 0;
	if (cmd == NULL || idx == 0)
		return err_msg(err, "pod does not appear to be created via `hutch pod create`");
	struct cmdline cl = { 0 };
	if (cmdline_parse(cmd + idx, "pod create", o, true, &cl, err) < 0) {
		cmdline_clear(&cl);
		return -1;
	}
	autostrv char **root = NULL;
	push_escaped(&root, cmd, 1, idx - 2);
	*rootflags = join_words(root, " ");
	autostrv char **w = NULL;
	strv_push_take(&w, escape_arg(o->executable));
	push_escaped(&w, cmd, 1, idx - 2);
	strv_push(&w, "pod");
	strv_push(&w, "create");
	strv_push(&w, "--infra-conmon-pidfile");
	strv_push_take(&w, xasprintf("%%t/%s.pid", service));
	strv_push(&w, "--pod-id-file");
	strv_push_take(&w, xasprintf("%%t/%s.pod-id", service));
	/* The pod's unit ends with its last member. */
	strv_push(&w, "--exit-policy=stop");
	for (size_t i = 0; cl.keep != NULL && cl.keep[i] != NULL; i++) {
		if (strncmp(cl.keep[i], "--exit-policy", 13) == 0) {
			if (cl.keep[i][13] == '\0' && cl.keep[i + 1] != NULL)
				i++;
			continue;
		}
		strv_push_take(&w, escape_arg(cl.keep[i]));
	}
	if (cl.name_set && !cl.replace)
		strv_push(&w, "--replace");
	*pre2 = format_words(w);
	cmdline_clear(&cl);
	return 0;
}

static int pod_units(struct eng *eng, struct eng_pod *p, const struct eng_sdunit_opts *o,
		     struct eng_sdunit **units, size_t *n, struct error **err)
{
	if (o->template_unit)
		return err_msg(err, "--template is not supported for pods");
	if (p->infra_id == NULL || *p->infra_id == '\0')
		return err_msg(err,
			       "generating systemd unit files: Pod \"%s\" has no infra container",
			       p->name);
	struct eng_ctr **v = NULL;
	size_t nv = 0;
	if (eng_pod_containers(eng, p, &v, &nv, err) < 0)
		return -1;
	struct eng_ctr *infra = NULL;
	for (size_t i = 0; i < nv; i++)
		if (strcmp(v[i]->id, p->infra_id) == 0)
			infra = v[i];
	struct sd_info pin = { .pod = true };
	autofree char *rootflags = NULL, *pre2 = NULL, *pod_id_file = NULL, *pod_noi = NULL;
	autostrv char **svcs = NULL;
	struct sd_info *cin = xzalloc((nv + 1) * sizeof(*cin));
	size_t nc = 0;
	int rc = -1;
	if (infra == NULL) {
		err_msg(err, "generating systemd unit files: Pod \"%s\" has no infra container",
			p->name);
		goto out;
	}
	pin.name_or_id = xstrdup(o->use_name ? infra->name : infra->id);
	pod_noi = xstrdup(o->use_name ? p->name : p->id);
	pin.service = service_name(o->pod_prefix ? o->pod_prefix : "pod", separator(o), pod_noi);
	pin.stop_timeout = o->stop_timeout_set ? o->stop_timeout : infra->stop_timeout;
	/* The pod's unit names the real run root even with --new (podman's). */
	if ((pin.runroot = unit_runroot(eng, false, err)) == NULL)
		goto out;
	if (o->new_ctr) {
		pod_id_file = xasprintf("%%t/%s.pod-id", pin.service);
		if (new_pod_command(p, o, pin.service, &rootflags, &pre2, err) < 0)
			goto out;
	} else if ((pin.pidfile = monitor_pidfile(infra, err)) == NULL) {
		goto out;
	}
	for (size_t i = 0; i < nv; i++) {
		if (v[i] == infra)
			continue;
		struct sd_info *ci = &cin[nc++];
		if (ctr_info(v[i], o, pod_id_file, ci, err) < 0)
			goto out;
		strv_push(&ci->bound_to, pin.service);
		strv_push(&svcs, ci->service);
	}
	qsort(svcs, strv_len(svcs), sizeof(*svcs), cmp_str);
	pin.required = steal_ptr(&svcs);
	push_unit(units, n, pin.service, false, pod_unit_text(&pin, p, o, rootflags, pre2));
	for (size_t i = 0; i < nc; i++)
		push_unit(units, n, cin[i].service, false, ctr_unit_text(&cin[i], o));
	rc = 0;
out:
	for (size_t i = 0; i < nv; i++)
		info_clear(&cin[i]);
	free(cin);
	info_clear(&pin);
	eng_ctr_list_free(v, nv);
	return rc;
}

int eng_sdunits(struct eng *eng, const char *name_or_id, const struct eng_sdunit_opts *o,
		struct eng_sdunit **units, size_t *n, struct error **err)
{
	*units = NULL;
	*n = 0;
	if (o->restart_policy != NULL && !valid_restart(o->restart_policy))
		return err_msg(err, "%s is not a valid restart policy", o->restart_policy);
	struct eng_ctr *c = NULL;
	struct error *ce = NULL, *pe = NULL;
	if (eng_ctr_lookup(eng, name_or_id, &c, &ce) == 0) {
		struct sd_info in = { 0 };
		int rc = ctr_info(c, o, NULL, &in, err);
		if (rc == 0)
			push_unit(units, n, in.service, o->template_unit, ctr_unit_text(&in, o));
		info_clear(&in);
		eng_ctr_free(&c);
		return rc;
	}
	struct eng_pod *p = NULL;
	if (eng_pod_lookup(eng, name_or_id, &p, &pe) == 0) {
		err_free(&ce);
		int rc = pod_units(eng, p, o, units, n, err);
		eng_pod_free(&p);
		if (rc < 0)
			eng_sdunits_free(steal_ptr(units), *n);
		return rc;
	}
	bool gone = ce->code == ENOENT && pe->code == ENOENT;
	if (!gone) {
		*err = pe->code != ENOENT ? pe : ce;
		err_free(pe->code != ENOENT ? &ce : &pe);
		return -1;
	}
	err_free(&ce);
	err_free(&pe);
	return err_set(err, ENOENT, ERR_NOSUCH,
		       "%s does not refer to a container or pod: no pod with name or ID %s found: "
		       "no such pod: no container with name or ID \"%s\" found: no such container",
		       name_or_id, name_or_id, name_or_id);
}

void eng_sdunits_free(struct eng_sdunit *units, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(units[i].name);
		free(units[i].text);
	}
	free(units);
}
