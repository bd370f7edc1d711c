/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hutch-generator: a systemd user generator (systemd runs it with NORMAL_DIR EARLY_DIR
 * LATE_DIR and it writes units into NORMAL_DIR) that makes services of Quadlet files, and
 * by hand `hutch-generator --dryrun` prints them. Files are looked up in Quadlet's search
 * paths, the first of a name winning; QUADLET_UNIT_DIRS (colon-separated) replaces them.
 * The units run the hutch next to this program (/proc/self/exe's directory).
 */
#include "tool/generator/generator.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_UNIT_FILE (1 << 20)

struct opts {
	bool dryrun, user;
	const char *out; /* NORMAL_DIR */
};

static int usage(void)
{
	fprintf(stderr, "Usage: hutch-generator [--dryrun] [--user] [NORMAL_DIR [EARLY_DIR "
			"LATE_DIR]]\n");
	return 1;
}

/* Quadlet's user search path, or its system one (root without --user). */
static char **search_dirs(bool user)
{
	char **dirs = NULL;
	const char *env = getenv("QUADLET_UNIT_DIRS");
	if (env && *env) {
		autofree char *copy = xstrdup(env);
		char *save = NULL;
		for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save))
			strv_push(&dirs, d);
		return dirs;
	}
	if (!user) {
		strv_push(&dirs, "/run/containers/systemd");
		strv_push(&dirs, "/etc/containers/systemd");
		strv_push(&dirs, "/usr/share/containers/systemd");
		return dirs;
	}
	const char *cfg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	const char *rt = getenv("XDG_RUNTIME_DIR");
	if (cfg && *cfg)
		strv_push_take(&dirs, xasprintf("%s/containers/systemd", cfg));
	else if (home && *home)
		strv_push_take(&dirs, xasprintf("%s/.config/containers/systemd", home));
	if (rt && *rt)
		strv_push_take(&dirs, xasprintf("%s/containers/systemd", rt));
	strv_push_take(&dirs, xasprintf("/etc/containers/systemd/users/%u", (unsigned)getuid()));
	strv_push(&dirs, "/etc/containers/systemd/users");
	return dirs;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Read the Quadlet files of dir that no earlier directory had. */
static void load_dir(struct gen_ctx *ctx, const char *dir)
{
	struct dirent **ents = NULL;
	int n = scandir(dir, &ents, NULL, by_name);
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		int kind = gen_kind_of(name);
		autofree char *path = xasprintf("%s/%s", dir, name);
		struct stat st;
		autofree char *text = NULL;
		size_t len = 0;
		autoerr struct error *err = NULL;
		if (kind < 0 || gen_find(ctx, name) || stat(path, &st) < 0 || !S_ISREG(st.st_mode))
			goto next;
		if (fs_read_file(path, MAX_UNIT_FILE, &text, &len, &err) < 0) {
			fprintf(stderr, "hutch-generator: %s\n", err->msg);
			ctx->errors++;
			goto next;
		}
		ctx->units = xrealloc(ctx->units, (ctx->n + 1) * sizeof(*ctx->units));
		struct gen_unit *u = gen_unit_parse(path, text);
		u->kind = (enum gen_kind)kind;
		ctx->units[ctx->n++] = u;
	next:
		free(ents[i]);
	}
	free(ents);
}

/* [Install] of a generated unit: generators cannot be enabled, so the symlinks that
 * `systemctl enable` would make go into the output directory, as Quadlet's do. */
static void install_links(const char *out, const struct gen_unit *svc)
{
	static const char *const keys[][2] = { { "WantedBy", "wants" },
					       { "RequiredBy", "requires" },
					       { "UpheldBy", "upholds" } };
	for (size_t k = 0; k < 3; k++) {
		autostrv char **targets = gen_all_words(svc, "Install", keys[k][0]);
		for (size_t i = 0; targets[i]; i++) {
			autofree char *dir = xasprintf("%s/%s.%s", out, targets[i], keys[k][1]);
			autofree char *link = xasprintf("%s/%s", dir, svc->filename);
			autofree char *to = xasprintf("../%s", svc->filename);
			mkdir(dir, 0755);
			if (symlink(to, link) < 0 && errno != EEXIST)
				fprintf(stderr, "hutch-generator: linking %s: %s\n", link,
					strerror(errno));
		}
	}
	autostrv char **aliases = gen_all_words(svc, "Install", "Alias");
	for (size_t i = 0; aliases[i]; i++) {
		autofree char *link = xasprintf("%s/%s", out, aliases[i]);
		if (symlink(svc->filename, link) < 0 && errno != EEXIST)
			fprintf(stderr, "hutch-generator: linking %s: %s\n", link, strerror(errno));
	}
}

static int emit(const struct opts *o, const struct gen_unit *svc)
{
	autofree char *text = gen_unit_text(svc);
	if (o->dryrun) {
		printf("---%s---\n%s\n", svc->filename, text);
		return 0;
	}
	autofree char *path = xasprintf("%s/%s", o->out, svc->filename);
	autoerr struct error *err = NULL;
	if (fs_write_atomic(path, text, strlen(text), 0644, &err) < 0) {
		fprintf(stderr, "hutch-generator: %s\n", err->msg);
		return -1;
	}
	install_links(o->out, svc);
	return 0;
}

/* hutch in the directory of this program. */
static char *hutch_path(void)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return xstrdup("hutch");
	self[n] = '\0';
	*strrchr(self, '/') = '\0';
	return xasprintf("%s/hutch", self);
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--dryrun") == 0)
			o->dryrun = true;
		else if (strcmp(argv[i], "--user") == 0)
			o->user = true;
		else if (strcmp(argv[i], "--no-kmsg-log") == 0 || strcmp(argv[i], "-v") == 0)
			; /* Quadlet's; the generator logs to stderr only */
		else
			return -1;
	}
	/* systemd starts user generators from a user-generators directory (Quadlet's rule). */
	if (strstr(argv[0], "user") || getuid() != 0)
		o->user = true;
	if (!o->dryrun && (argc - i != 1 && argc - i != 3))
		return -1;
	if (o->dryrun && argc - i != 0)
		return -1;
	o->out = i < argc ? argv[i] : NULL;
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	if (parse_args(argc, argv, &o) < 0)
		return usage();
	autofree char *hutch = hutch_path();
	struct gen_ctx ctx = { .hutch = hutch, .user = o.user };
	autostrv char **dirs = search_dirs(o.user);
	for (size_t i = 0; dirs[i]; i++)
		load_dir(&ctx, dirs[i]);
	struct gen_unit **out = xcalloc(ctx.n + 1, sizeof(*out));
	gen_convert_all(&ctx, out);
	if (!o.dryrun) {
		autoerr struct error *err = NULL;
		if (fs_mkdir_p(o.out, 0755, &err) < 0) {
			fprintf(stderr, "hutch-generator: %s\n", err->msg);
			ctx.errors++;
		}
	}
	for (size_t i = 0; i < ctx.n; i++) {
		if (out[i] && emit(&o, out[i]) < 0)
			ctx.errors++;
		gen_unit_free(out[i]);
		gen_unit_free(ctx.units[i]);
	}
	free(out);
	free(ctx.units);
	return ctx.errors ? 1 : 0;
}
