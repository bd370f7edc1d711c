/* SPDX-License-Identifier: Apache-2.0 */
/* Shared inside oci/container/: record helpers, locks, paths of the helper programs. */
#pragma once

#include "oci/container/container.h"

/* Runtime state root for hutch's containers: $XDG_RUNTIME_DIR/hutch/runtime (owned). */
char *ctr_runtime_root(struct error **err);
/* Take the container's lock (flock on containers/ID/lock); returns the fd to close. */
int ctr_lock(struct storage *s, const char *id, struct error **err);
/* Now, RFC 3339 with nanoseconds (owned). */
char *ctr_now(void);
/* Borrowed string member of a JSON object, or NULL. */
const char *ctr_jstr(struct json_object *o, const char *key);
struct json_object *ctr_jget(struct json_object *o, const char *key);
/* Re-read c->state from the files. */
void ctr_state_load(struct storage *s, struct oci_ctr *c);
/* Write state.json with status "created", "running" or "exited". */
int ctr_state_write(struct storage *s, const char *id, const struct oci_ctr_state *st,
		    const char *status, bool stopped_by_user, struct error **err);
bool ctr_stopped_by_user(struct storage *s, const char *id);
/* Stream an attach connection (fd, owned) to our stdio until the container exits. */
int ctr_attach_fd(struct oci_ctr *c, int fd, const struct oci_ctr_start_opts *o, int *status,
		  bool *detached, struct error **err);
/* The container's published ports as stored in HostConfig.Ports. */
struct json_object *ctr_ports_json(const struct net_port *p, size_t n);
/* Read them back (*out owned). */
int ctr_ports_get(const struct oci_ctr *c, struct net_port **out, size_t *n);
/* A JSON array of strings as an owned strv (NULL when empty). */
char **ctr_jstrv(struct json_object *a);
/* The ports for ps (owned text) and for inspect (podman's map, owned). */
char *ctr_ports_text(const struct oci_ctr *c);
struct json_object *ctr_ports_podman(const struct oci_ctr *c);
