/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Container records: writing a new one's files (config.json, state.json, hutch.json; what
 * goes in them is create.c's decision), loading and listing them (finding one is names.c's),
 * and reading the state the files give: the store's state.json plus, while it runs, the
 * monitor's files in the run dir.
 */
#include "oci/engine/internal.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

const char *eng_ctr_status_name(enum eng_ctr_status s)
{
	static const char *const names[] = { "created", "running", "paused", "exited" };
	return s <= ENG_CTR_EXITED ? names[s] : "unknown";
}

char *eng_ctr_dir(struct eng *eng, const char *id)
{
	struct storage *s = eng->store;
	return xasprintf("%s/containers/%s", storage_root(s), id);
}

char *eng_ctr_log_path(struct eng *eng, const char *id)
{
	struct storage *s = eng->store;
	return xasprintf("%s/containers/%s/ctr.log", storage_root(s), id);
}

/* The runtime dir, checked (and created) once per handle: ps asks for every container's. */
static const char *run_root(struct eng *eng, struct error **err)
{
	if (eng->run_root == NULL)
		eng->run_root = paths_runtime_dir(err);
	return eng->run_root;
}

int ctr_run_root_pin(struct eng *eng, struct error **err)
{
	char *rt = paths_runtime_dir_pin(err);
	if (rt == NULL)
		return -1;
	free(eng->run_root);
	eng->run_root = rt;
	return 0;
}

int ctr_etc_binds_update(struct eng *eng, const char *id, const char *run, struct error **err)
{
	autofree char *dir = eng_ctr_dir(eng, id);
	autofree char *path = xasprintf("%s/config.json", dir);
	struct json_object *spec = json_file_at(AT_FDCWD, path, 1 << 24);
	if (spec == NULL)
		return 0; /* the start reports a missing or damaged config.json itself */
	autofree char *tail = xasprintf("/containers/%s/", id);
	struct json_object *mounts = json_get_type(spec, "mounts", json_type_array);
	bool changed = false;
	for (size_t i = 0; i < json_len(mounts); i++) {
		struct json_object *m = json_idx(mounts, i);
		const char *dst = json_str(m, "destination"), *src = json_str(m, "source");
		if (dst == NULL || src == NULL ||
		    (strncmp(dst, "/etc/", 5) != 0 && strcmp(dst, "/run/.containerenv") != 0 &&
		     strcmp(dst, CTR_NOTIFY_DIR) != 0))
			continue;
		/* Our own run dir's file (a joined target's are patched by join.c). */
		const char *at = strstr(src, tail);
		const char *base = strrchr(src, '/');
		if (at == NULL || base == NULL || at + strlen(tail) != base + 1)
			continue;
		autofree char *want = xasprintf("%s%s", run, base);
		if (strcmp(want, src) == 0)
			continue;
		json_object_object_add(m, "source", json_object_new_string(want));
		changed = true;
	}
	int rc = 0;
	if (changed) {
		int flags = JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE;
		const char *text = json_object_to_json_string_ext(spec, flags);
		rc = fs_write_replace(path, text, strlen(text), 0600, err);
	}
	json_object_put(spec);
	return rc;
}

char *eng_ctr_run_dir(struct eng *eng, const char *id, struct error **err)
{
	const char *rt = run_root(eng, err);
	return rt ? xasprintf("%s/containers/%s", rt, id) : NULL;
}

char *ctr_netns_dir(struct eng *eng, struct error **err)
{
	const char *rt = run_root(eng, err);
	return rt ? xasprintf("%s/netns", rt) : NULL;
}

char *ctr_runtime_root(struct eng *eng, struct error **err)
{
	const char *rt = run_root(eng, err);
	return rt ? xasprintf("%s/runtime", rt) : NULL;
}

int ctr_lock(struct eng *eng, const char *id, struct error **err)
{
	struct storage *s = eng->store;
	/* The container's directory itself: a lock file would be one more inode to create and
	 * delete on the store's filesystem at every run --rm. */
	autofree char *path = xasprintf("%s/containers/%s", storage_root(s), id);
	int fd = fs_lock(path, O_RDONLY | O_DIRECTORY, LOCK_EX);
	/* Found a moment ago, gone now: another command removed it. Say so, in the words of
	 * a lookup that misses, not as a raw errno. */
	if (fd < 0 && errno == ENOENT)
		return err_set(err, ENOENT, ERR_TOOL,
			       "container %.12s was removed meanwhile by another command: no such "
			       "container",
			       id);
	if (fd < 0)
		return err_sys(err, "locking container %.12s", id);
	/* Removed while we waited (renamed to the trash, see ctr_remove): the lock is on the
	 * trash then, and nothing may be started or written for it. */
	struct stat held, now;
	if (fstat(fd, &held) < 0 || stat(path, &now) < 0 || held.st_ino != now.st_ino ||
	    held.st_dev != now.st_dev) {
		close(fd);
		return err_set(err, ENOENT, ERR_TOOL,
			       "container %.12s was removed meanwhile by another command: no such "
			       "container",
			       id);
	}
	return fd;
}

char *ctr_now(void)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	char buf[48];
	oci_log_format_time(&now, buf, sizeof(buf));
	return xstrdup(buf);
}

/* 64 random hex digits, as podman's IDs. */
char *ctr_new_id(void)
{
	unsigned char raw[32];
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
		for (size_t i = 0; i < sizeof(raw); i++)
			raw[i] = (unsigned char)(rand() ^ (int)getpid() ^ (int)time(NULL));
	}
	char *hex = xmalloc(65);
	for (size_t i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", raw[i]);
	return hex;
}

/* adjective_surname, like podman's (and docker's) generated names. */
char *ctr_new_name(void)
{
	static const char *const adj[] = {
		"brave",    "calm",    "clever", "cool",  "eager",  "gentle",  "happy",	  "jolly",
		"keen",	    "kind",    "lively", "lucid", "merry",  "nifty",   "proud",	  "quirky",
		"serene",   "sharp",   "silly",	 "stoic", "sweet",  "tender",  "upbeat",  "vibrant",
		"wizardly", "zealous", "bold",	 "busy",  "dreamy", "fervent", "focused", "hungry",
	};
	static const char *const who[] = {
		"babbage", "bell",    "curie",	 "darwin",  "einstein", "euler",    "fermat",
		"gauss",   "hopper",  "hypatia", "kepler",  "lamarr",	"lovelace", "meitner",
		"newton",  "noether", "pascal",	 "ritchie", "shannon",	"thompson", "turing",
		"volta",   "wozniak", "yalow",	 "knuth",   "dijkstra", "liskov",   "torvalds",
	};
	unsigned int r[2] = { 0, 0 };
	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		r[0] = (unsigned)getpid(), r[1] = (unsigned)time(NULL);
	return xasprintf("%s_%s", adj[r[0] % (sizeof(adj) / sizeof(adj[0]))],
			 who[r[1] % (sizeof(who) / sizeof(who[0]))]);
}

bool ctr_valid_name(const char *n)
{
	/* podman: [a-zA-Z0-9][a-zA-Z0-9_.-]* */
	if (!((n[0] >= 'a' && n[0] <= 'z') || (n[0] >= 'A' && n[0] <= 'Z') ||
	      (n[0] >= '0' && n[0] <= '9')))
		return false;
	for (const char *p = n; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' || *p == '-'))
			return false;
	return strlen(n) < 254;
}

void eng_ctr_free(struct eng_ctr **c)
{
	if (c == NULL || *c == NULL)
		return;
	struct eng_ctr *x = *c;
	free(x->id);
	free(x->name);
	free(x->image_id);
	free(x->image_name);
	free(x->created);
	free(x->pod);
	free(x->network);
	free(x->userns);
	free(x->ports);
	free(x->hostname);
	strv_free(x->dns);
	strv_free(x->dns_search);
	strv_free(x->dns_options);
	strv_free(x->extra_hosts);
	free(x->restart_policy);
	free(x->log_driver);
	free(x->stop_signal);
	strv_free(x->health.test);
	free(x->health.on_failure);
	free(x->sdnotify);
	free(x->state.started_at);
	free(x->state.finished_at);
	json_object_put(x->doc);
	free(x);
	*c = NULL;
}

void eng_ctr_list_free(struct eng_ctr **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		eng_ctr_free(&v[i]);
	free(v);
}

/* Is pid a live process running the program named comm? */
bool ctr_pid_alive(pid_t pid, const char *comm)
{
	/* A zombie is dead: an orphaned monitor waits for pid 1 to reap it, which some inits
	 * do only every few seconds. comm is cut at 15 characters. */
	struct proc_stat ps;
	return proc_stat_read(pid, &ps) == 0 && ps.state != 'Z' && ps.state != 'X' &&
	       strncmp(ps.comm, comm, 15) == 0;
}

bool ctr_init_alive(pid_t pid, unsigned long long start)
{
	/* No start time recorded (a container started by an older version): unknown, and
	 * taken as gone, as those versions did. */
	struct proc_stat ps;
	return pid > 0 && start != 0 && proc_stat_read(pid, &ps) == 0 && ps.state != 'Z' &&
	       ps.state != 'X' && ps.start == start;
}

pid_t ctr_read_pid(const char *path)
{
	autofree char *text = NULL;
	struct error *err = NULL;
	if (fs_read_file(path, 64, &text, NULL, &err) < 0) {
		err_free(&err);
		return 0;
	}
	return (pid_t)strtol(text, NULL, 10);
}

/* state.json's own members; the rest of it is the brief record (see ctr_state_write). */
static const char *const state_keys[] = { "Status",	  "StartedAt",	   "FinishedAt",
					  "ExitCode",	  "Pid",	   "InitStart",
					  "RestartCount", "StoppedByUser", NULL };

/* c->state from state.json's members j (NULL: none, a created container) and the run dir
 * (see the header of this file). */
static void state_from(struct eng_ctr *c, struct json_object *j)
{
	struct eng_ctr_state *st = &c->state;
	free(st->started_at);
	free(st->finished_at);
	*st = (struct eng_ctr_state){ .status = ENG_CTR_CREATED, .exit_code = 0 };
	const char *status = json_str(j, "Status");
	if (status != NULL && strcmp(status, "created") != 0)
		st->status = ENG_CTR_EXITED;
	if (json_str(j, "StartedAt"))
		st->started_at = xstrdup(json_str(j, "StartedAt"));
	if (json_str(j, "FinishedAt"))
		st->finished_at = xstrdup(json_str(j, "FinishedAt"));
	st->exit_code = json_object_get_int(json_get(j, "ExitCode"));
	st->restart_count = json_object_get_int(json_get(j, "RestartCount"));
	st->init_start = json_object_get_uint64(json_get(j, "InitStart"));
	bool was_running = status != NULL && strcmp(status, "running") == 0;
	pid_t init = (pid_t)json_object_get_int(json_get(j, "Pid"));
	/* Created or exited as recorded: the run dir has nothing newer to say. */
	if (!was_running)
		return;

	struct error *err = NULL;
	autofree char *run = eng_ctr_run_dir(c->eng, c->id, &err);
	err_free(&err);
	if (run == NULL)
		return;
	autofree char *exitf = xasprintf("%s/%s", run, OCI_EXIT_FILE);
	struct json_object *e = json_file_at(AT_FDCWD, exitf, CTR_JSON_MAX);
	if (e != NULL) {
		/* Exited; the exit command may not have recorded it yet. */
		st->status = ENG_CTR_EXITED;
		st->exit_code = json_object_get_int(json_get(e, "exitCode"));
		free(st->finished_at);
		st->finished_at =
		    json_str(e, "finishedAt") ? xstrdup(json_str(e, "finishedAt")) : NULL;
		json_object_put(e);
		return;
	}
	autofree char *mpid = xasprintf("%s/%s", run, OCI_MONITOR_PID_FILE);
	pid_t monitor = ctr_read_pid(mpid);
	bool monitor_alive = ctr_pid_alive(monitor, "hutch-monitor");
	/* The monitor is gone without an exit file (killed): the container runs for as long
	 * as its init does, the very process started (its start time), not a pid reused. */
	if (monitor_alive || ctr_init_alive(init, st->init_start)) {
		st->status = ENG_CTR_RUNNING;
		st->monitor_pid = monitor_alive ? monitor : 0;
		st->monitor_lost = !monitor_alive;
		st->pid = init;
		autofree char *paused = xasprintf("%s/paused", run);
		if (fs_exists(paused))
			st->status = ENG_CTR_PAUSED;
		autofree char *netlost = xasprintf("%s/%s", run, OCI_NETWORK_LOST_FILE);
		st->network_lost = fs_exists(netlost);
		/* A stop (or rm -f) marked it before its signal: stopping until it exits. */
		autofree char *mark = xasprintf("%s/%s", run, CTR_STOPPED_MARK);
		st->stopping =
		    json_object_get_boolean(json_get(j, "StoppedByUser")) || fs_exists(mark);
		return;
	}
	/* Both gone without an exit file: the monitor killed, or the machine rebooted. The exit
	 * code is unknown, and nobody recorded the end yet (see ctr_settle). */
	st->status = ENG_CTR_EXITED;
	st->exit_code = -1;
	st->unsettled = true;
}

/* ROOT/containers/ID/FILE, or ID/FILE relative to the containers dir cdir (owned). */
static char *rec_path(struct eng *eng, int cdir, const char *id, const char *file)
{
	struct storage *s = eng->store;
	if (cdir == AT_FDCWD)
		return xasprintf("%s/containers/%s/%s", storage_root(s), id, file);
	return xasprintf("%s/%s", id, file);
}

void ctr_state_load(struct eng *eng, struct eng_ctr *c)
{
	autofree char *path = rec_path(eng, AT_FDCWD, c->id, "state.json");
	struct json_object *j = json_file_at(AT_FDCWD, path, CTR_JSON_MAX);
	state_from(c, j);
	json_object_put(j);
}

/*
 * What `ps` shows of a record (doc, current schema): kept in state.json beside the state,
 * so that ps reads one small file a container. Network and Mounts are there for the scans
 * that look for a container's dependents and a volume's users.
 */
static struct json_object *brief_of(struct json_object *doc)
{
	struct json_object *b = json_object_new_object();
	static const char *const keys[] = { "Version", "Id",	    "Name",	  "Created",
					    "Image",   "ImageName", "Args",	  "Cmd",
					    "Pod",     "Infra",	    "Mounts",	  "Labels",
					    "Ports",   "Network",   "AutoRemove", NULL };
	for (size_t i = 0; keys[i]; i++) {
		struct json_object *v = json_get(doc, keys[i]);
		if (v != NULL)
			json_object_object_add(b, keys[i], json_object_get(v));
	}
	return b;
}

/* Write state.json: the brief record of doc (none when doc is NULL) and the state. */
static int state_write_doc(struct eng *eng, const char *id, struct json_object *doc,
			   const struct eng_ctr_state *st, const char *status, bool stopped_by_user,
			   struct error **err)
{
	struct json_object *j = doc != NULL ? brief_of(doc) : json_object_new_object();
	json_object_object_add(j, "Status", json_object_new_string(status));
	if (st->started_at)
		json_object_object_add(j, "StartedAt", json_object_new_string(st->started_at));
	if (st->finished_at)
		json_object_object_add(j, "FinishedAt", json_object_new_string(st->finished_at));
	json_object_object_add(j, "ExitCode", json_object_new_int(st->exit_code));
	json_object_object_add(j, "Pid", json_object_new_int(st->pid));
	if (st->init_start != 0)
		json_object_object_add(j, "InitStart", json_object_new_uint64(st->init_start));
	json_object_object_add(j, "RestartCount", json_object_new_int(st->restart_count));
	json_object_object_add(j, "StoppedByUser", json_object_new_boolean(stopped_by_user));
	autofree char *path = rec_path(eng, AT_FDCWD, id, "state.json");
	const char *text = json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN |
								 JSON_C_TO_STRING_NOSLASHESCAPE);
	int rc = fs_write_replace(path, text, strlen(text), 0600, err);
	json_object_put(j);
	return rc;
}

int ctr_state_write(struct eng *eng, const char *id, const struct eng_ctr_state *st,
		    const char *status, bool stopped_by_user, struct error **err)
{
	/* The brief part as the files have it, not from a caller's copy, which may predate a
	 * rename: from state.json itself, which a rename rewrites under the same lock (a small
	 * file, not the whole record: this is on the way of every start), or else from the
	 * record. A record that cannot be read gives a state.json without one, and ps falls
	 * back to the record as for stores of older hutch versions. */
	autofree char *spath = rec_path(eng, AT_FDCWD, id, "state.json");
	struct json_object *doc = json_file_at(AT_FDCWD, spath, CTR_JSON_MAX);
	if (json_str(doc, "Id") == NULL) {
		json_object_put(doc);
		autofree char *rec = rec_path(eng, AT_FDCWD, id, "hutch.json");
		doc = json_file_at(AT_FDCWD, rec, CTR_JSON_MAX);
	}
	/* A brief record of an older version is rewritten in the current schema. */
	doc = ctr_record_upgrade(doc);
	int rc = state_write_doc(eng, id, doc, st, status, stopped_by_user, err);
	json_object_put(doc);
	return rc;
}

int ctr_brief_update(struct eng *eng, const char *id, struct json_object *doc, struct error **err)
{
	autofree char *path = rec_path(eng, AT_FDCWD, id, "state.json");
	struct json_object *old = json_file_at(AT_FDCWD, path, CTR_JSON_MAX);
	struct json_object *cur = ctr_record_upgrade(json_object_get(doc));
	struct json_object *j = brief_of(cur);
	json_object_put(cur);
	for (size_t i = 0; state_keys[i]; i++) {
		struct json_object *v = json_get(old, state_keys[i]);
		if (v != NULL)
			json_object_object_add(j, state_keys[i], json_object_get(v));
	}
	if (json_get(j, "Status") == NULL)
		json_object_object_add(j, "Status", json_object_new_string("created"));
	const char *text = json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN |
								 JSON_C_TO_STRING_NOSLASHESCAPE);
	int rc = fs_write_replace(path, text, strlen(text), 0600, err);
	json_object_put(j);
	json_object_put(old);
	/* The brief record of older hutch versions, which ps would no longer read: stale now. */
	autofree char *bpath = rec_path(eng, AT_FDCWD, id, "brief.json");
	if (rc == 0 && unlink(bpath) < 0 && errno != ENOENT)
		rc = err_sys(err, "removing %s", bpath);
	return rc;
}

/* The run dir's file that says "stopped on purpose" when state.json could not (owned). */
static char *stopped_mark_path(struct eng *eng, const char *id)
{
	struct error *e = NULL;
	autofree char *run = eng_ctr_run_dir(eng, id, &e);
	err_free(&e);
	return run != NULL ? xasprintf("%s/%s", run, CTR_STOPPED_MARK) : NULL;
}

void ctr_stopped_by_user_mark(struct eng *eng, const char *id)
{
	autofree char *mark = stopped_mark_path(eng, id);
	int fd = mark != NULL ? open(mark, O_WRONLY | O_CREAT | O_CLOEXEC, 0600) : -1;
	if (fd >= 0)
		close(fd);
}

bool ctr_stopped_by_user(struct eng *eng, const char *id)
{
	autofree char *path = rec_path(eng, AT_FDCWD, id, "state.json");
	struct json_object *j = json_file_at(AT_FDCWD, path, CTR_JSON_MAX);
	bool v = json_object_get_boolean(json_get(j, "StoppedByUser"));
	json_object_put(j);
	autofree char *mark = v ? NULL : stopped_mark_path(eng, id);
	return v || (mark != NULL && fs_exists(mark));
}

/* The record's Ports, whatever their shape (a hand-edited or damaged record). */
static void decode_ports(struct eng_ctr *c)
{
	struct json_object *a = json_get(c->doc, "Ports");
	size_t len = json_len(a);
	c->ports = len ? xcalloc(len, sizeof(*c->ports)) : NULL;
	c->n_ports = len;
	for (size_t i = 0; i < len; i++) {
		struct json_object *o = json_object_array_get_idx(a, i);
		struct net_port *p = &c->ports[i];
		snprintf(p->host_ip, sizeof(p->host_ip), "%s", json_str(o, "HostIp") ?: "");
		p->host_port = (uint16_t)json_object_get_int(json_get(o, "HostPort"));
		p->container_port = (uint16_t)json_object_get_int(json_get(o, "ContainerPort"));
		p->count = (uint16_t)json_object_get_int(json_get(o, "Count"));
		const char *proto = json_str(o, "Protocol");
		p->proto = proto && strcmp(proto, "udp") == 0 ? NET_PROTO_UDP : NET_PROTO_TCP;
	}
}

/* c's typed fields from c->doc (current schema); defaults for what it lacks, as create
 * would have written them. */
static void decode(struct eng_ctr *c)
{
	struct json_object *doc = c->doc;
	c->name = xstrdup(json_str(doc, "Name") ?: c->id);
	c->image_id = xstrdup(json_str(doc, "Image") ?: "");
	c->image_name = xstrdup(json_str(doc, "ImageName") ?: "");
	c->created = xstrdup(json_str(doc, "Created") ?: "");
	c->pod = json_str_dup(doc, "Pod");
	c->infra = json_object_get_boolean(json_get(doc, "Infra"));
	c->network = json_str_dup(doc, "Network");
	c->userns = xstrdup(json_str(doc, "Userns") ?: "");
	decode_ports(c);
	c->hostname = xstrdup(json_str(doc, "Hostname") ?: "");
	c->dns = json_strv(json_get(doc, "Dns"));
	c->dns_search = json_strv(json_get(doc, "DnsSearch"));
	c->dns_options = json_strv(json_get(doc, "DnsOptions"));
	c->extra_hosts = json_strv(json_get(doc, "ExtraHosts"));
	c->auto_remove = json_object_get_boolean(json_get(doc, "AutoRemove"));
	struct json_object *restart = json_get(doc, "Restart");
	c->restart_policy = xstrdup(json_str(restart, "Policy") ?: "no");
	c->restart_max = json_object_get_int(json_get(restart, "MaxRetries"));
	struct json_object *log = json_get(doc, "Log");
	c->log_driver = xstrdup(json_str(log, "Driver") ?: "k8s-file");
	c->log_max_size = (uint64_t)json_object_get_int64(json_get(log, "MaxSize"));
	c->stop_signal = xstrdup(json_str(doc, "StopSignal") ?: "SIGTERM");
	c->stop_timeout = (long)json_object_get_int64(json_get(doc, "StopTimeout"));
	c->tty = json_object_get_boolean(json_get(doc, "Tty"));
	c->open_stdin = json_object_get_boolean(json_get(doc, "OpenStdin"));
	ctr_health_decode(c);
}

struct eng_ctr *ctr_load(struct eng *eng, int cdir, const char *id, bool brief)
{
	autofree char *spath = rec_path(eng, cdir, id, "state.json");
	struct json_object *st = json_file_at(cdir, spath, CTR_JSON_MAX), *doc = NULL;
	/* A state.json with the brief record stands for a container: it is written before
	 * hutch.json, and removed with the whole dir when a create fails. */
	if (brief && json_str(st, "Id") != NULL)
		doc = json_object_get(st);
	if (doc == NULL && brief) {
		/* Stores of older hutch versions kept the brief record in brief.json. */
		autofree char *bpath = rec_path(eng, cdir, id, "brief.json");
		doc = json_file_at(cdir, bpath, CTR_JSON_MAX);
	}
	if (doc == NULL) {
		autofree char *path = rec_path(eng, cdir, id, "hutch.json");
		doc = json_file_at(cdir, path, CTR_JSON_MAX);
	}
	if (doc == NULL) {
		json_object_put(st);
		return NULL;
	}
	struct eng_ctr *c = xzalloc(sizeof(*c));
	/* Converted in memory only: loading never writes (see upgrade.c). */
	c->doc = ctr_record_upgrade(doc);
	/* A rename writes the brief record before hutch.json: one killed in between left the
	 * new name there, which ps shows and the name index leads to. */
	const char *bname = json_str(st, "Id") != NULL ? json_str(st, "Name") : NULL;
	if (bname != NULL && doc != st && strcmp(bname, json_str(c->doc, "Name") ?: "") != 0)
		json_object_object_add(c->doc, "Name", json_object_new_string(bname));
	c->id = xstrdup(id);
	c->eng = eng;
	decode(c);
	state_from(c, st);
	json_object_put(st);
	return c;
}

static int cmp_created(const void *a, const void *b)
{
	const struct eng_ctr *x = *(struct eng_ctr *const *)a, *y = *(struct eng_ctr *const *)b;
	return strcmp(x->created, y->created);
}

bool ctr_is_id(const char *s, size_t max)
{
	size_t i = 0;
	for (; s[i] != '\0'; i++)
		if (i >= max || !((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return i > 0;
}

static int list(struct eng *eng, bool brief, struct eng_ctr ***out, size_t *n, struct error **err)
{
	struct storage *s = eng->store;
	*out = NULL;
	*n = 0;
	autofree char *dir = xasprintf("%s/containers", storage_root(s));
	autoclosedir DIR *d = opendir(dir);
	if (d == NULL)
		return errno == ENOENT ? 0 : err_sys(err, "listing %s", dir);
	size_t cap = 0;
	for (struct dirent *de; (de = readdir(d)) != NULL;) {
		if (strlen(de->d_name) != 64 || !ctr_is_id(de->d_name, 64))
			continue;
		/* Relative to the open dir: each open walks two path components, not ten. */
		struct eng_ctr *c = ctr_load(eng, dirfd(d), de->d_name, brief);
		if (c == NULL)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*out = xrealloc(*out, cap * sizeof(**out));
		}
		(*out)[(*n)++] = c;
	}
	if (*n > 1)
		qsort(*out, *n, sizeof(**out), cmp_created);
	return 0;
}

int eng_ctr_list(struct eng *eng, struct eng_ctr ***out, size_t *n, struct error **err)
{
	return list(eng, false, out, n, err);
}

int eng_ctr_list_brief(struct eng *eng, struct eng_ctr ***out, size_t *n, struct error **err)
{
	return list(eng, true, out, n, err);
}

struct json_object *ctr_ports_json(const struct net_port *p, size_t n)
{
	struct json_object *a = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "HostIp", json_object_new_string(p[i].host_ip));
		json_object_object_add(o, "HostPort", json_object_new_int(p[i].host_port));
		json_object_object_add(o, "ContainerPort",
				       json_object_new_int(p[i].container_port));
		json_object_object_add(o, "Count", json_object_new_int(p[i].count));
		json_object_object_add(o, "Protocol",
				       json_object_new_string(net_proto_name(p[i].proto)));
		json_object_array_add(a, o);
	}
	return a;
}

int ctr_ports_get(const struct eng_ctr *c, struct net_port **out, size_t *n)
{
	*out = c->n_ports ? xcalloc(c->n_ports, sizeof(**out)) : NULL;
	if (c->n_ports)
		memcpy(*out, c->ports, c->n_ports * sizeof(**out));
	*n = c->n_ports;
	return 0;
}

/* The entrypoint and the command apart, as build_args joins them (podman's Config). */
static struct json_object *record_entrypoint(const struct oci_gen_opts *g)
{
	char **ep = g->has_entrypoint ? g->entrypoint : (g->image ? g->image->entrypoint : NULL);
	if (g->has_entrypoint && ep != NULL && ep[0] != NULL && ep[0][0] == '\0' && ep[1] == NULL)
		ep = NULL; /* --entrypoint "": none */
	return json_from_strv(ep);
}

static struct json_object *record_cmd(const struct oci_gen_opts *g)
{
	char **cmd = g->args && g->args[0] ? g->args
		     : g->has_entrypoint   ? NULL
					   : (g->image ? g->image->cmd : NULL);
	return json_from_strv(cmd);
}

/* --cap-add/--cap-drop as podman records them: upper case, with CAP_ (ALL stays ALL). */
static struct json_object *record_caps(char *const *v)
{
	struct json_object *a = json_object_new_array();
	for (size_t i = 0; v && v[i]; i++) {
		bool bare = strncasecmp(v[i], "CAP_", 4) != 0 && strcasecmp(v[i], "ALL") != 0;
		char *c = xasprintf("%s%s", bare ? "CAP_" : "", v[i]);
		for (char *p = c; *p; p++)
			*p = (char)toupper((unsigned char)*p);
		json_object_array_add(a, json_object_new_string(c));
		free(c);
	}
	return a;
}

/* The hutch.json record, in the engine's schema (oci/engine.h), as create knows it. */
static struct json_object *record_doc(const char *id, const char *name,
				      const struct eng_ctr_create_opts *o, struct json_object *spec)
{
	struct json_object *doc = json_object_new_object();
	autofree char *now = ctr_now();
	json_object_object_add(doc, "Version", json_object_new_int(ENG_CTR_RECORD_VERSION));
	json_object_object_add(doc, "Id", json_object_new_string(id));
	json_object_object_add(doc, "Name", json_object_new_string(name));
	json_object_object_add(doc, "Created", json_object_new_string(now));
	json_object_object_add(doc, "Image", json_object_new_string(o->image ? o->image->id : ""));
	json_object_object_add(doc, "ImageName",
			       json_object_new_string(o->image_name ? o->image_name : ""));
	if (o->image != NULL && o->image->manifest_digest != NULL)
		json_object_object_add(doc, "ImageDigest",
				       json_object_new_string(o->image->manifest_digest));
	if (o->pod != NULL) {
		json_object_object_add(doc, "Pod", json_object_new_string(o->pod));
		json_object_object_add(doc, "Infra", json_object_new_boolean(o->infra));
	}
	struct json_object *proc = json_get(spec, "process");
	json_object_object_add(doc, "Args", json_object_get(json_get(proc, "args")));
	if (o->create_command != NULL)
		json_object_object_add(doc, "CreateCommand", json_from_strv(o->create_command));
	json_object_object_add(doc, "Entrypoint", record_entrypoint(&o->gen));
	json_object_object_add(doc, "Cmd", record_cmd(&o->gen));
	json_object_object_add(doc, "Env", json_object_get(json_get(proc, "env")));
	json_object_object_add(doc, "CapAdd", record_caps(o->gen.cap_add));
	json_object_object_add(doc, "CapDrop", record_caps(o->gen.cap_drop));
	json_object_object_add(doc, "Hostname",
			       json_object_new_string(json_str(spec, "hostname") ?: ""));
	json_object_object_add(doc, "User", json_object_new_string(o->user ? o->user : ""));
	json_object_object_add(doc, "WorkingDir",
			       json_object_new_string(json_str(proc, "cwd") ?: "/"));
	json_object_object_add(doc, "Labels", json_from_kv(o->labels));
	json_object_object_add(doc, "Annotations", json_from_kv(o->gen.annotations));
	json_object_object_add(doc, "StopSignal",
			       json_object_new_string(o->stop_signal ? o->stop_signal : "SIGTERM"));
	json_object_object_add(doc, "StopTimeout", json_object_new_int64(o->stop_timeout));
	json_object_object_add(doc, "Tty", json_object_new_boolean(o->gen.tty));
	json_object_object_add(doc, "OpenStdin", json_object_new_boolean(o->interactive));
	json_object_object_add(doc, "AutoRemove", json_object_new_boolean(o->rm));
	struct json_object *rp = json_object_new_object();
	const char *restart = o->restart ? o->restart : "no";
	const char *colon = strchr(restart, ':');
	autofree char *rname =
	    colon ? xstrndup(restart, (size_t)(colon - restart)) : xstrdup(restart);
	json_object_object_add(rp, "Policy", json_object_new_string(rname));
	json_object_object_add(rp, "MaxRetries", json_object_new_int(colon ? atoi(colon + 1) : 0));
	json_object_object_add(doc, "Restart", rp);
	struct json_object *lc = json_object_new_object();
	json_object_object_add(lc, "Driver",
			       json_object_new_string(o->log_driver ? o->log_driver : "k8s-file"));
	json_object_object_add(lc, "MaxSize", json_object_new_int64((int64_t)o->log_max_size));
	json_object_object_add(doc, "Log", lc);
	json_object_object_add(doc, "Network",
			       json_object_new_string(o->network ? o->network : "slirp4netns"));
	json_object_object_add(doc, "Ports", ctr_ports_json(o->ports, o->n_ports));
	json_object_object_add(doc, "Dns", json_from_strv(o->dns));
	json_object_object_add(doc, "DnsSearch", json_from_strv(o->dns_search));
	json_object_object_add(doc, "DnsOptions", json_from_strv(o->dns_options));
	json_object_object_add(doc, "ExtraHosts", json_from_strv(o->add_hosts));
	if (o->network_aliases != NULL)
		json_object_object_add(doc, "NetworkAliases", json_from_strv(o->network_aliases));
	if (o->network_opts != NULL)
		json_object_object_add(doc, "NetworkOpts", json_object_get(o->network_opts));
	json_object_object_add(doc, "Userns", json_object_new_string(o->userns ? o->userns : ""));
	json_object_object_add(doc, "Privileged", json_object_new_boolean(o->gen.privileged));
	json_object_object_add(doc, "ReadOnly", json_object_new_boolean(o->gen.read_only));
	json_object_object_add(doc, "Init", json_object_new_boolean(o->gen.init_path != NULL));
	if (o->timeout > 0)
		json_object_object_add(doc, "Timeout", json_object_new_int64(o->timeout));
	if (o->conmon_pidfile != NULL)
		json_object_object_add(doc, "ConmonPidFile",
				       json_object_new_string(o->conmon_pidfile));
	json_object_object_add(doc, "CgroupsMode",
			       json_object_new_string(o->cgroups ? o->cgroups : "enabled"));
	if (o->runtime != NULL)
		json_object_object_add(doc, "OCIRuntime", json_object_new_string(o->runtime));
	if (o->hostusers != NULL && o->hostusers[0] != NULL)
		json_object_object_add(doc, "HostUsers", json_from_strv(o->hostusers));
	struct json_object *mounts = json_object_new_array();
	for (size_t i = 0; i < o->gen.n_mounts; i++) {
		const struct oci_volume *v = &o->gen.mounts[i];
		struct json_object *m = json_object_new_object();
		json_object_object_add(m, "Type",
				       json_object_new_string(v->volume != NULL ? "volume"
							      : v->kind == OCI_MOUNT_TMPFS
								  ? "tmpfs"
								  : "bind"));
		/* The volume's name: what rm and prune look for (its mountpoint may move). */
		if (v->volume != NULL)
			json_object_object_add(m, "Name", json_object_new_string(v->volume));
		json_object_object_add(m, "Source", json_object_new_string(v->src ? v->src : ""));
		json_object_object_add(m, "Destination", json_object_new_string(v->dst));
		json_object_object_add(m, "RW", json_object_new_boolean(!v->ro));
		if (v->options != NULL) /* tmpfs size=, bind propagation: as given */
			json_object_object_add(m, "Options", json_object_new_string(v->options));
		if (v->chown) /* :U, chowned at each start (volchown.c) */
			json_object_object_add(m, "Chown", json_object_new_boolean(true));
		json_object_array_add(mounts, m);
	}
	json_object_object_add(doc, "Mounts", mounts);
	ctr_health_record(doc, &o->health, o->sdnotify);
	/* Names, IDs and how they are given: never a secret's content. */
	if (o->secrets != NULL)
		json_object_object_add(doc, "Secrets", json_object_get(o->secrets));
	return doc;
}

int ctr_write_files(struct eng *eng, const char *id, const char *name,
		    const struct eng_ctr_create_opts *o, struct error **err)
{
	autofree char *dir = eng_ctr_dir(eng, id);
	struct oci_gen_opts gen = o->gen;
	/* An infra container has no image: its root is an empty directory. */
	autofree char *merged =
	    xasprintf("%s/%s", dir, o->infra && o->image == NULL ? "rootfs" : "merged");
	autofree char *hostname = xstrndup(id, 12);
	autofree char *run = eng_ctr_run_dir(eng, id, err);
	if (run == NULL)
		return -1;
	gen.rootfs = merged;
	if (gen.hostname == NULL)
		gen.hostname = hostname;
	/*
	 * --init: the container's pid 1 is hutch-init, bound read-only; a container allowed to
	 * remount (--privileged) could make that bind writable and, through an fd it kept,
	 * rewrite the file. So it gets a copy of its own, not the installed program.
	 */
	autofree char *init_copy = NULL;
	if (gen.init_path != NULL) {
		autofree char *bin = NULL;
		size_t len = 0;
		init_copy = xasprintf("%s/hutch-init", dir);
		if (fs_read_file(gen.init_path, 16 << 20, &bin, &len, err) < 0 ||
		    fs_write_replace(init_copy, bin, len, 0555, err) < 0)
			return -1;
		gen.init_path = init_copy;
	}
	gen.etc_dir = run;
	struct json_object *spec = oci_spec_generate(&gen, err);
	if (spec == NULL)
		return -1;
	ctr_notify_spec(spec, o->sdnotify, run);
	struct json_object *doc = record_doc(id, name, o, spec);
	autofree char *cfg = xasprintf("%s/config.json", dir);
	autofree char *rec = xasprintf("%s/hutch.json", dir);
	int flags = JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE;
	const char *spec_text = json_object_to_json_string_ext(spec, flags);
	const char *doc_text = json_object_to_json_string_ext(doc, flags);
	struct eng_ctr_state st = { 0 };
	/* Atomic by rename, not fsync'd: the store's policy (podman's too); a container's
	 * files are rewritten or rebuilt, and two fsyncs cost ~3 ms a file on ext4. */
	int rc = fs_write_replace(cfg, spec_text, strlen(spec_text), 0600, err);
	/* state.json carries the brief record ps reads (hutch.json is not there yet). */
	if (rc == 0)
		rc = state_write_doc(eng, id, doc, &st, "created", false, err);
	/* The record last: a container exists once hutch.json does. */
	if (rc == 0)
		rc = fs_write_replace(rec, doc_text, strlen(doc_text), 0600, err);
	json_object_put(spec);
	json_object_put(doc);
	return rc;
}

char *eng_ctr_net_target(const struct eng_ctr *c)
{
	if (c->network == NULL || strncmp(c->network, "container:", 10) != 0)
		return NULL;
	return xstrdup(c->network + 10);
}

const char *eng_ctr_pod(const struct eng_ctr *c, bool *infra)
{
	if (infra != NULL)
		*infra = c->infra;
	return c->pod;
}

int ctr_parse_detach_keys(const char *spec, char *out, size_t max)
{
	size_t n = 0;
	autofree char *copy = xstrdup(spec);
	char *save = NULL;
	for (char *k = strtok_r(copy, ",", &save); k; k = strtok_r(NULL, ",", &save)) {
		if (n == max)
			return -1;
		if (strncmp(k, "ctrl-", 5) == 0 && strlen(k) == 6)
			out[n++] = (char)(k[5] == '@' ? 0 : (k[5] & 0x1f));
		else if (strlen(k) == 1)
			out[n++] = k[0];
		else
			return -1;
	}
	return (int)n;
}
